import { LbError } from '../core/errors.js';
import { loadRelayAddon, type RelayAddon } from './native-addon.js';
import { NativeRelay } from './native-relay.js';

/** `relay:` in the config: the native addon when it was built, always native, or JavaScript. */
export type RelayMode = 'auto' | 'native' | 'js';

export interface RelayStatus {
  readonly relay: 'native' | 'js';
  readonly nativeConnections: number;
}

/**
 * The one place the relay strategy is chosen. Owns the App's native relay (loaded on first use
 * and kept across reloads, since running sessions use it); each new session asks current().
 */
export class RelayChoice {
  #mode: RelayMode = 'js';
  #native: NativeRelay | undefined;
  #tried = false;

  constructor(private readonly load: () => RelayAddon | undefined = loadRelayAddon) {}

  /** Applies a config's mode; throws (nothing changed) when `native` is asked for and not built. */
  setMode(mode: RelayMode): void {
    if (mode !== 'js' && !this.#tried) {
      this.#tried = true;
      const addon = this.load();
      if (addon) this.#native = new NativeRelay(addon);
    }
    if (mode === 'native' && !this.#native)
      throw new LbError(
        'LB_ERR_NATIVE_RELAY',
        'relay: native, but the native relay is not built (it needs g++ at install: `npm run build` ' +
          'builds it; see docs/benchmarks.md); use relay: auto to fall back to JavaScript',
      );
    this.#mode = mode;
  }

  /** What relays the bytes of new sessions, and how many connections the native relay holds. */
  status(): RelayStatus {
    return { relay: this.current() ? 'native' : 'js', nativeConnections: this.#native?.size ?? 0 };
  }

  /** The native relay for a new session, or undefined for the JavaScript relay. */
  readonly current = (): NativeRelay | undefined => (this.#mode === 'js' ? undefined : this.#native);

  /** After every session ended: stops the relay thread. */
  stop(): void {
    this.#native?.stop();
    this.#native = undefined;
    this.#tried = false;
  }
}
