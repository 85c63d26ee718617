import { connect, type Socket } from 'node:net';
import { treeUsage } from './proc-stats.js';
import type { Running } from './systems.js';
import { runWrk } from './wrk.js';
import { sleep, type Workload, type WorkloadContext } from './workload.js';

/** Opens `n` connections to `port` (at most `inFlight` connecting at once) and keeps them open. */
export async function openIdle(port: number, n: number, deadlineMs: number, inFlight = 200): Promise<Socket[]> {
  const open: Socket[] = [];
  const deadline = Date.now() + deadlineMs;
  let next = 0;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const s = connect({ host: '127.0.0.1', port });
      s.on('error', () => resolve()); // counted by what stays open
      s.once('connect', () => {
        open.push(s);
        resolve();
      });
    });
  const lane = async (): Promise<void> => {
    while (next < n && Date.now() < deadline) {
      next++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, n) }, lane));
  return open.filter((s) => !s.destroyed);
}

const proxyUsage = (ctx: WorkloadContext, t: Running) => treeUsage(t.pid!, ctx.units, true);

/**
 * Polls the proxy's descriptor count until `done` says so, or until it has not moved for 1.5 s
 * (a proxy that will not get there), bounded by `ms` in all.
 */
async function waitForFds(ctx: WorkloadContext, t: Running, done: (fds: number) => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  let last = -1;
  let since = Date.now();
  while (Date.now() < deadline) {
    const fds = proxyUsage(ctx, t).fds;
    if (done(fds)) return;
    if (fds !== last) [last, since] = [fds, Date.now()];
    else if (Date.now() - since > 1500) return;
    await sleep(50);
  }
}

export const idleMemory: Workload = {
  id: 'idle',
  title: 'memory per idle proxied connection',
  needs: [],
  appliesTo: (s) => s.kind !== 'direct',
  upstreams: (b) => b.http,
  maxConn: (t) => t.idleConnections + 64,
  run: async (ctx, target) => {
    const n = ctx.timing.idleConnections;
    const settle = Math.min(1000, ctx.timing.seconds * 200);
    // Warm-up: open and close a few, so that one-time allocations are not charged per connection.
    const base = proxyUsage(ctx, target).fds;
    for (const s of await openIdle(target.port, Math.min(200, n), 10_000)) s.destroy();
    await waitForFds(ctx, target, (fds) => fds <= base, 10_000);
    await sleep(settle);
    const before = proxyUsage(ctx, target);
    const sockets = await openIdle(target.port, n, 60_000);
    try {
      const want = before.fds + sockets.length * 2;
      await waitForFds(ctx, target, (fds) => fds >= want, 20_000);
      await sleep(settle);
      const after = proxyUsage(ctx, target);
      const per = (after.rssBytes - before.rssBytes) / sockets.length;
      return [
        { metric: 'memory per connection', unit: 'KB', better: 'lower', value: per / 1024 },
        { metric: 'idle connections held', unit: 'conn', better: 'higher', value: sockets.length, ratio: false },
        {
          metric: 'upstream side open',
          unit: '%',
          better: 'higher',
          value: ((after.fds - before.fds) / (2 * sockets.length)) * 100,
          ratio: false,
        },
      ];
    } finally {
      for (const s of sockets) s.destroy();
    }
  },
};

const READERS = 8;

/**
 * Readers that download `/big` at a few hundred KB/s each while the backend could send GB/s: a
 * proxy without backpressure buffers the difference. Each reads one chunk per tick, then pauses.
 */
function slowReaders(port: number): { stop: () => number } {
  let bytes = 0;
  const sockets: Socket[] = [];
  for (let i = 0; i < READERS; i++) {
    const s = connect({ host: '127.0.0.1', port });
    s.on('error', () => undefined);
    s.write('GET /big HTTP/1.1\r\nHost: bench\r\n\r\n');
    s.on('data', (d: Buffer) => {
      bytes += d.length;
      s.pause();
    });
    sockets.push(s);
  }
  const tick = setInterval(() => sockets.forEach((s) => s.resume()), 100);
  return {
    stop: () => {
      clearInterval(tick);
      sockets.forEach((s) => s.destroy());
      return bytes;
    },
  };
}

export const slowReader: Workload = {
  id: 'slow',
  title: `mixed: ${READERS} slow readers of a large download + keep-alive load`,
  needs: ['wrk', 'big'],
  appliesTo: (s) => s.kind !== 'direct',
  upstreams: (b) => b.http,
  maxConn: (t) => t.wrkConnectionsKeepAlive * 4 + READERS,
  run: async (ctx, target) => {
    const t = ctx.timing;
    const readersStarted = Date.now();
    const readers = slowReaders(target.port);
    try {
      await sleep(Math.min(1000, t.seconds * 300)); // socket buffers fill up first
      const start = proxyUsage(ctx, target).rssBytes;
      let peak = start;
      const sampler = setInterval(() => (peak = Math.max(peak, proxyUsage(ctx, target).rssBytes)), 200);
      const load = await runWrk(ctx.procs, {
        url: `http://127.0.0.1:${target.port}/`,
        connections: t.wrkConnectionsKeepAlive,
        seconds: t.seconds,
        close: false,
        cpu: ctx.loadCpu,
      }).finally(() => clearInterval(sampler));
      const end = proxyUsage(ctx, target).rssBytes;
      const readerBytes = readers.stop();
      const mib = (b: number): number => b / 2 ** 20;
      return [
        { metric: 'RSS growth during run', unit: 'MiB', better: 'lower', value: mib(end - start), ratio: false },
        { metric: 'RSS peak', unit: 'MiB', better: 'lower', value: mib(Math.max(peak, end)) },
        {
          metric: 'slow readers received',
          unit: 'MB/s',
          better: 'higher',
          value: readerBytes / 1e6 / ((Date.now() - readersStarted) / 1000),
          ratio: false,
        },
        { metric: 'requests/s alongside', unit: 'req/s', better: 'higher', value: load.rps },
      ];
    } finally {
      readers.stop();
    }
  },
};
