import type { RuntimeView } from '../../runtime.js';
import { drainingIn } from '../runtime-view.js';

// The periodic `stats` event: counters of every listener, pool and target, with rates over the
// time since the previous event. Pure over the runtime (the store's targets, the data planes'
// counters) and the previous sample.

export interface Counters {
  readonly active: number;
  readonly total: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

export interface Rates {
  /** New connections per second. */
  readonly connRate: number;
  /** Bytes per second from clients (in) and to clients (out). */
  readonly bytesInRate: number;
  readonly bytesOutRate: number;
}

export type Figures = Counters & Rates;

export interface ListenerFigures {
  readonly active: number;
  readonly total: number;
  readonly connRate: number;
  readonly rejected: number | null;
}

export interface StatsEvent {
  readonly at: number;
  readonly listeners: Record<string, ListenerFigures>;
  /** Every pool; its `targets` holds only those whose figures moved since the previous event (all of them in the first). */
  readonly pools: Record<
    string,
    Figures & { targets: Record<string, Figures & { checkOk: boolean | null; checkMs: number | null }> }
  >;
}

/** What the next sample compares with. */
export interface Sample {
  readonly at: number;
  readonly counters: ReadonlyMap<string, Counters>;
  /** Figures last sent per target key, to leave out the ones that did not move. */
  readonly sent: ReadonlyMap<string, string>;
}

const round = (n: number): number => Math.round(n * 10) / 10;

function rates(now: Counters, prev: Counters | undefined, seconds: number): Rates {
  if (!prev || seconds <= 0) return { connRate: 0, bytesInRate: 0, bytesOutRate: 0 };
  const per = (a: number, b: number): number => round(Math.max(0, a - b) / seconds);
  return {
    connRate: per(now.total, prev.total),
    bytesInRate: per(now.bytesIn, prev.bytesIn),
    bytesOutRate: per(now.bytesOut, prev.bytesOut),
  };
}

export function sampleStats(
  app: RuntimeView,
  at: number,
  prev: Sample | undefined,
): { event: StatsEvent; sample: Sample } {
  const seconds = prev ? (at - prev.at) / 1000 : 0;
  const counters = new Map<string, Counters>();
  const sent = new Map<string, string>();
  const figures = (key: string, c: Counters): Figures => {
    counters.set(key, c);
    return { ...c, ...rates(c, prev?.counters.get(key), seconds) };
  };
  const listeners: StatsEvent['listeners'] = {};
  for (const l of app.listeners().values()) {
    const f = figures(`l\n${l.name}`, {
      active: l.activeConnections,
      total: l.totalConnections,
      bytesIn: 0,
      bytesOut: 0,
    });
    const rejected = (l as { rejectedConnections?: number }).rejectedConnections;
    listeners[l.name] = { active: f.active, total: f.total, connRate: f.connRate, rejected: rejected ?? null };
  }
  const pools: StatsEvent['pools'] = {};
  const traffic = app.traffic();
  for (const name of Object.keys(app.store.snapshot().pools)) {
    const targets: StatsEvent['pools'][string]['targets'] = {};
    const sum = { active: 0, total: 0, bytesIn: 0, bytesOut: 0 };
    for (const t of [...(app.store.pool(name)?.targets ?? []), ...drainingIn(app, name, traffic)]) {
      const n = traffic[name]?.[t.id];
      const c: Counters = {
        active: n?.active ?? 0,
        total: n?.total ?? 0,
        bytesIn: n?.bytesFromClient ?? 0,
        bytesOut: n?.bytesToClient ?? 0,
      };
      sum.active += c.active;
      sum.total += c.total;
      sum.bytesIn += c.bytesIn;
      sum.bytesOut += c.bytesOut;
      const key = `t\n${name}\n${t.id}`;
      // The last health check: its result and connect time (0.1 ms steps, so that jitter does not resend every target).
      const checkMs = t.lastCheck?.latencyMs;
      const f = {
        ...figures(key, c),
        checkOk: t.lastCheck?.ok ?? null,
        checkMs: checkMs === undefined ? null : round(checkMs),
      };
      const text = JSON.stringify(f);
      sent.set(key, text);
      if (prev?.sent.get(key) !== text) targets[t.id] = f;
    }
    pools[name] = { ...figures(`p\n${name}`, sum), targets };
  }
  return { event: { at, listeners, pools }, sample: { at, counters, sent } };
}
