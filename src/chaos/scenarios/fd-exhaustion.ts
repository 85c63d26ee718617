// Descriptor exhaustion (issue 14, defect 2): the proxy runs under `ulimit -n 256` and 400
// clients each send a request and keep their connection. Counts the clients served at once, those
// reset, and those that waited (served once the first ones closed), then how long until a new
// client is served again.
import { connect, type Socket } from 'node:net';
import { killAll } from '../backends.js';
import { parseResponse, requestOnce } from '../http-client.js';
import { webSetup, settledUsage, sleep, withProxy, type Scenario } from '../scenario.js';

const LIMIT = 256;
type State = 'pending' | 'served' | 'reset';

interface Client {
  state: State;
  servedAt?: number;
  sock: Socket;
}

/** Once `released`, a client served leaves at once, as a real client would after its reply. */
function client(port: number, phase: { released: boolean }): Client {
  const c: Client = { state: 'pending', sock: connect({ port, host: '127.0.0.1' }) };
  let buf = '';
  c.sock.setEncoding('latin1');
  c.sock.on('connect', () => c.sock.write('GET / HTTP/1.1\r\nHost: chaos\r\n\r\n'));
  c.sock.on('data', (d: string) => {
    buf += d;
    if (c.state === 'pending' && parseResponse(buf)?.ok) {
      c.state = 'served';
      c.servedAt = Date.now();
      if (phase.released) c.sock.destroy();
    }
  });
  const gone = (): void => {
    if (c.state === 'pending') c.state = 'reset';
  };
  c.sock.on('error', gone);
  c.sock.on('close', gone);
  return c;
}

const count = (cs: readonly Client[], s: State): number => cs.filter((c) => c.state === s).length;

/** Waits until no client changed state for `quietMs`, or `capMs` passed. */
async function settle(cs: readonly Client[], quietMs: number, capMs: number): Promise<void> {
  const end = Date.now() + capMs;
  let last = -1;
  let since = Date.now();
  while (Date.now() < end && count(cs, 'pending') > 0) {
    const now = count(cs, 'pending');
    if (now !== last) [last, since] = [now, Date.now()];
    else if (Date.now() - since >= quietMs) return;
    await sleep(50);
  }
}

export const fdExhaustion: Scenario = {
  id: 'fd-exhaustion',
  run: async (ctx) => {
    const { backends, port, spec } = await webSetup(2);
    const n = ctx.scale.fdClients;
    const waitMs = ctx.short ? 2000 : 8000;
    return withProxy(
      () => ctx.start(spec, { nofile: LIMIT }),
      async (p) => {
        const before = await settledUsage(p, ctx.settleMs / 3);
        const phase = { released: false };
        const cs: Client[] = [];
        for (let i = 0; i < n; i++) cs.push(client(port, phase));
        await settle(cs, ctx.short ? 500 : 1000, waitMs);
        const atOnce = count(cs, 'served');
        const reset = count(cs, 'reset');
        // The first ones leave: descriptors come free for those waiting.
        const releasedAt = Date.now();
        phase.released = true;
        for (const c of cs) if (c.state === 'served') c.sock.destroy();
        let recovery: number | undefined;
        const fresh = (async () => {
          while (recovery === undefined && Date.now() - releasedAt < waitMs) {
            if ((await requestOnce(port, 2000)).ok) recovery = Date.now() - releasedAt;
            else await sleep(50);
          }
        })();
        const waiting = cs.filter((c) => c.state === 'pending');
        await settle(waiting, ctx.short ? 1000 : 2000, waitMs);
        await fresh;
        const waited = count(waiting, 'served');
        const resetLater = count(waiting, 'reset');
        const never = count(waiting, 'pending');
        for (const c of cs) c.sock.destroy();
        const after = await settledUsage(p, ctx.settleMs);
        const out = p.output();
        const downs = (out.match(/DOWN/g) ?? []).length;
        const emfile = (out.match(/EMFILE/g) ?? []).length;
        // Ours: one line each time a listener stops accepting (clients wait in the backlog).
        const paused = (out.match(/stopped accepting/g) ?? []).length;
        return {
          requests: n,
          failed: reset + resetLater + never,
          ...(recovery !== undefined ? { recoveryMs: recovery } : {}),
          before,
          after,
          detail:
            `ulimit -n ${LIMIT}, ${n} clients: ${atOnce} served at once, ${reset} reset, ${waited} waited and served` +
            `${resetLater ? `, ${resetLater} reset later` : ''}${never ? `, ${never} never served` : ''}; ` +
            `log: ${downs} "DOWN", ${emfile} "EMFILE"${paused ? `, ${paused} "stopped accepting"` : ''}` +
            (recovery === undefined ? `; no new client served within ${waitMs / 1000} s` : ''),
          values: {
            servedAtOnce: atOnce,
            reset,
            waited,
            resetLater,
            never,
            downLines: downs,
            emfileLines: emfile,
            pausedLines: paused,
          },
        };
      },
      () => killAll(backends),
    );
  },
};
