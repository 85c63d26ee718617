// Floods of malformed PROXY headers, ClientHellos and admin requests, each connection ending with
// a FIN: how fast each is closed, whether memory stays flat, and whether other clients of the
// same proxy are still served meanwhile.
import { killAll, startBackends } from '../backends.js';
import { BAD_CLIENT_HELLOS, BAD_PROXY_HEADERS, badAdminRequests, flood, type FloodResult } from '../flood.js';
import { percentile, runLoad } from '../http-client.js';
import { ports, settledUsage, withProxy, type Scenario } from '../scenario.js';

const TOKEN = 'chaos-admin-token';
const HELD_MS = 1000;

function describe(name: string, r: FloodResult): string {
  const p50 = percentile(r.closedMs, 50);
  const max = r.closedMs.length > 0 ? Math.max(...r.closedMs) : undefined;
  const slow = r.closedMs.filter((ms) => ms > HELD_MS).length + r.held;
  const codes = [...r.statuses].map(([c, n]) => `${c}×${n}`).join(' ');
  const times = p50 === undefined ? 'none closed' : `closed in ${p50.toFixed(0)} ms p50, ${max!.toFixed(0)} ms max`;
  return `${name} ${r.sent}: ${times}, ${slow} held > ${HELD_MS / 1000} s${codes ? ` (${codes})` : ''}`;
}

export const floods: Scenario = {
  id: 'floods',
  run: async (ctx) => {
    const backends = await startBackends('b', 'http', 2);
    const [web, pp, tlsPort, admin] = await ports(4);
    const spec = {
      listeners: [
        { name: 'web', port: web!, pool: 'web' },
        { name: 'pp', port: pp!, pool: 'web', kind: 'proxy-protocol' as const },
        ...(ctx.tls ? [{ name: 'tls', port: tlsPort!, pool: 'web', kind: 'tls' as const }] : []),
      ],
      pools: [{ name: 'web', targets: backends.map((b) => ({ port: b.port })) }],
      admin: { port: admin!, token: TOKEN },
      ...(ctx.tls ? { tls: ctx.tls } : {}),
    };
    const n = ctx.scale.floodConnections;
    const seconds = ctx.short ? 0.5 : 5;
    const capMs = ctx.short ? 1500 : 12_000; // beyond a 10 s handshake timeout
    const bodyBytes = ctx.short ? 100 * 1024 : 2 ** 20; // over the 64 KiB limit either way
    const adminRequests =
      ctx.system === 'lb'
        ? badAdminRequests(`Bearer ${TOKEN}`, { get: '/api/status', post: '/api/reload' }, bodyBytes)
        : badAdminRequests(
            `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`,
            { get: '/', post: '/' },
            bodyBytes,
          );
    return withProxy(
      () => ctx.start(spec),
      async (p) => {
        const before = await settledUsage(p, ctx.settleMs / 3);
        let peakRss = before.rssBytes;
        const sampler = setInterval(() => (peakRss = Math.max(peakRss, p.usage().rssBytes)), 250);
        let finished = false;
        const others = runLoad({ port: web!, concurrency: 4, seconds: 600, keepAlive: true, stopped: () => finished });
        const common = { seconds, concurrency: 100, capMs };
        try {
          const proxy = await flood({ port: pp!, payloads: BAD_PROXY_HEADERS, count: n, ...common });
          const hello = ctx.tls
            ? await flood({ port: tlsPort!, payloads: BAD_CLIENT_HELLOS, count: n, ...common })
            : undefined;
          const adm = await flood({
            port: admin!,
            payloads: adminRequests,
            count: Math.max(10, n / 10),
            ...common,
            concurrency: 20,
          });
          finished = true;
          const load = await others;
          clearInterval(sampler);
          const after = await settledUsage(p, ctx.settleMs);
          const p99 = percentile(load.latenciesMs, 99);
          return {
            requests: load.requests,
            failed: load.failed,
            before,
            after,
            detail: [
              describe('PROXY', proxy),
              hello ? describe('ClientHello', hello) : 'ClientHello: no openssl',
              describe('admin', adm),
              `peak ${(peakRss / 2 ** 20).toFixed(0)} MB; other clients p99 ${p99 === undefined ? '–' : p99.toFixed(1)} ms`,
            ].join('; '),
            values: {
              proxyHeld: proxy.held,
              helloHeld: hello?.held ?? 0,
              helloSlow: hello?.closedMs.filter((ms) => ms > HELD_MS).length ?? 0,
              adminHeld: adm.held,
              peakRss,
            },
          };
        } finally {
          finished = true;
          clearInterval(sampler);
          await others;
        }
      },
      () => killAll(backends),
    );
  },
};
