import type { Listener } from './listener.js';

export interface ByteCount {
  fromClient: number;
  toClient: number;
}

/** Bytes relayed so far by the connections still open, per listener, pool and target. */
export interface OpenBytes {
  readonly listeners: Map<string, ByteCount>;
  readonly pools: Map<string, ByteCount>;
  /** pool → target → bytes. */
  readonly targets: Map<string, Map<string, ByteCount>>;
}

const add = (m: Map<string, ByteCount>, key: string, fromClient: number, toClient: number): void => {
  const c = m.get(key);
  if (c) {
    c.fromClient += fromClient;
    c.toClient += toClient;
  } else m.set(key, { fromClient, toClient });
};

/**
 * Reads the byte counts of open connections from their sockets. Closed connections are counted
 * when they end; adding these lets counters move while a connection lasts hours, not only at
 * its close. A scan of every open session: for scrapes and status requests, not the data path.
 */
export function openBytes(listeners: Iterable<Pick<Listener, 'name' | 'sessions'>>): OpenBytes {
  const out: OpenBytes = { listeners: new Map(), pools: new Map(), targets: new Map() };
  for (const l of listeners)
    for (const s of l.sessions()) {
      const rx = s.bytesFromClient;
      const tx = s.bytesToClient;
      const pool = s.ctx.pool.name;
      add(out.listeners, l.name, rx, tx);
      add(out.pools, pool, rx, tx);
      const t = s.target;
      if (!t) continue;
      let byTarget = out.targets.get(pool);
      if (!byTarget) {
        byTarget = new Map<string, ByteCount>();
        out.targets.set(pool, byTarget);
      }
      add(byTarget, t.id, rx, tx);
    }
  return out;
}
