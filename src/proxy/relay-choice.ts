import { LbError } from '../core/errors.js';
import { loadRelayAddon, type AddonLoad } from './native-addon.js';
import { errnoName, NativeRelay } from './native-relay.js';

/** `relay:` in the config: the native addon when it was built, always native, or JavaScript. */
export type RelayMode = 'auto' | 'native' | 'js';

/** What relays new connections and why (GET /api/status `relay`, the start log, a gauge). */
export interface RelayStatus {
  readonly mode: 'native' | 'js';
  readonly reason: string;
  readonly nativeConnections: number;
  /** The listeners whose connections the relay thread accepts (native accept); the others: Node. */
  readonly nativeAccept?: readonly string[];
}

/** Where the relay choice reports what an operator must see. */
export interface RelayLog {
  warn(msg: string): void;
  error(msg: string): void;
}

const SILENT: RelayLog = { warn: () => undefined, error: () => undefined };

/**
 * The one place the relay strategy is chosen. Owns the App's native relay (loaded on first use
 * and kept across reloads, since running sessions use it); each new session asks current().
 * Never silent: a native relay that was expected and is missing is a warning, a relay thread
 * that fails is an error, and status() says which relay runs and why.
 */
export class RelayChoice {
  #mode: RelayMode = 'js';
  #native: NativeRelay | undefined;
  #load: AddonLoad | undefined;
  #failed: string | undefined;

  constructor(
    private readonly load: () => AddonLoad = loadRelayAddon,
    private readonly log: RelayLog = SILENT,
  ) {}

  /** Applies a config's mode; throws (nothing changed) when `native` is asked for and not built. */
  setMode(mode: RelayMode): void {
    if (mode !== 'js' && !this.#load) {
      const load = (this.#load = this.load());
      if (load.addon) this.#native = new NativeRelay(load.addon, this.#onFailure);
      else if (mode === 'auto' && load.expected)
        this.log.warn(
          `NATIVE RELAY MISSING: relaying in JavaScript (slower). ${load.reason}. ` +
            'A C++ compiler is present: run `npm run build:native` and look at its output.',
        );
    }
    if (mode === 'native' && !this.#native)
      throw new LbError(
        'LB_ERR_NATIVE_RELAY',
        `relay: native, but the native relay is not available (${this.#load?.reason ?? 'not loaded'}; it needs g++ at ` +
          'install: `npm run build` builds it; see docs/benchmarks.md); use relay: auto to fall back to JavaScript',
      );
    this.#mode = mode;
  }

  /** What relays the bytes of new sessions, why, and how many connections the native relay holds. */
  status(): RelayStatus {
    return {
      mode: this.current() ? 'native' : 'js',
      reason: this.#reason(),
      nativeConnections: this.#native?.size ?? 0,
    };
  }

  #reason(): string {
    if (this.#failed) return this.#failed;
    if (this.#mode === 'js') return 'relay: js in the config';
    return this.#load?.reason ?? 'not loaded';
  }

  /** The native relay for a new session, or undefined for the JavaScript relay. */
  readonly current = (): NativeRelay | undefined =>
    this.#mode === 'js' || this.#failed !== undefined ? undefined : this.#native;

  /** Tests only: the native relay, to inject a failure into. */
  get native(): NativeRelay | undefined {
    return this.#native;
  }

  readonly #onFailure = (errno: number): void => {
    this.#failed = `the native relay thread failed (${errnoName(errno)}): its connections were closed (relay_failed); new connections relay in JavaScript`;
    this.log.error(`NATIVE RELAY FAILED: ${this.#failed}`);
  };

  /** After every session ended: stops the relay thread. */
  stop(): void {
    this.#native?.stop();
    this.#native = undefined;
    this.#load = undefined;
    this.#failed = undefined;
  }
}
