import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import type { ReloadControl, ReloadResult } from '../../../src/control/reload-result.js';
import { http } from '../../helpers/http.js';
import { open, type Conn } from '../../helpers/named-echo.js';
import { eventually } from '../../helpers/net.js';
import { stillStack } from '../../helpers/still-stack.js';

// GET /api/events over HTTP, as curl -N or any client reads it: the full state first (with the
// figures), each change as it happens with the store's revision as its id and who made it, a
// stats event each period (the clock is the test's: a period passes when it says so), and a
// client that comes back with Last-Event-ID gets what it missed, or a full state.

const TOKEN = 'stream-token';

interface Frame {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: Record<string, unknown>;
}

interface Stream {
  readonly res: IncomingMessage;
  /** The next frame (after those already taken). */
  next(): Promise<Frame>;
  close(): void;
}

function openStream(url: string, headers: Record<string, string> = {}): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req: ClientRequest = request(
      url,
      { agent: false, headers: { authorization: `Bearer ${TOKEN}`, ...headers } },
      (res) => {
        const frames: Frame[] = [];
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          buf += d;
          for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
            const lines = buf.slice(0, end).split('\n');
            buf = buf.slice(end + 2);
            const field = (name: string) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
            const event = field('event');
            if (event) frames.push({ id: field('id'), event, data: JSON.parse(field('data') ?? 'null') as never });
          }
        });
        res.on('error', () => undefined);
        resolve({
          res,
          next: () => eventually(() => frames.shift(), 20_000, 'the next event'),
          close: () => req.destroy(),
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('GET /api/events over HTTP: a full state with the figures, each change with its revision and who made it, stats each period, Last-Event-ID, the token, a bound on streams', async (t) => {
  const { stack: s, backend: a, clock } = await stillStack(t, { token: TOKEN });
  const streams: Stream[] = [];
  t.after(() => streams.forEach((x) => x.close()));
  const conns: Conn[] = [];
  t.after(() => conns.forEach((c) => c.sock.destroy()));
  conns.push(await open(s.port()));
  const store = s.app.store;
  const url = `${s.url}/api/events`;

  const refused = await openStream(url, { authorization: 'Bearer wrong' });
  assert.equal(refused.res.statusCode, 401, 'the same token as the rest of the API');
  refused.close();

  const first = await openStream(url);
  streams.push(first);
  assert.equal(first.res.statusCode, 200);
  assert.match(String(first.res.headers['content-type']), /^text\/event-stream/);
  const snapshot = await first.next();
  assert.equal(snapshot.event, 'snapshot');
  assert.equal(snapshot.id, String(store.revision));
  const stats0 = snapshot.data['stats'] as { pools: Record<string, { targets: Record<string, { active: number }> }> };
  assert.equal(stats0.pools['web']!.targets[a.address]!.active, 1, 'the held connection, in the first event');

  // Changes, each with the next revision, its cause and who made it.
  const B = { id: '127.0.0.1:1', host: '127.0.0.1', port: 1, weight: 1, backup: false };
  store.setAdminState('web', a.address, 'drain', 'test: drained');
  store.setSourceTargets('web', 'dns:web', [B], 'dns: web.example answered 1 address');
  store.setWeight('web', a.address, 5, 'fleet: node-b set it', { origin: 'node-b', kind: 'fleet' });
  const want = [
    ['admin-changed', 'admin', 'test: drained'],
    ['target-added', 'discovery', 'dns: web.example answered 1 address'],
    ['target-changed', 'fleet', 'fleet: node-b set it'],
  ];
  let revision = Number(snapshot.id);
  for (const [event, causeKind, cause] of want) {
    const f = await first.next();
    revision++;
    assert.deepEqual(
      [f.event, f.id, f.data['causeKind'], f.data['cause'], f.data['revision']],
      [event, String(revision), causeKind, cause, revision],
    );
  }

  // A period passes: the stats event, per listener, pool and target.
  clock.advance(1000);
  const stats = await first.next();
  assert.equal(stats.event, 'stats');
  const listeners = stats.data['listeners'] as Record<string, { active: number; total: number }>;
  assert.deepEqual([listeners['main']!.active, listeners['main']!.total], [1, 1]);
  first.close();

  // Away for one change: back with Last-Event-ID, that change, then the figures; no full state.
  store.setAdminState('web', a.address, 'ready', 'test: while away');
  for (const headers of [{ 'last-event-id': String(revision) }, {}] as Record<string, string>[]) {
    const query = 'last-event-id' in headers ? '' : `?lastEventId=${revision}`;
    const back = await openStream(`${url}${query}`, headers);
    streams.push(back);
    const missed = await back.next();
    assert.deepEqual(
      [missed.event, missed.id, missed.data['cause']],
      ['admin-changed', String(revision + 1), 'test: while away'],
    );
    const figures = await back.next();
    assert.equal(figures.event, 'stats', 'the figures after the catch-up');
    assert.ok((figures.data['pools'] as Record<string, { targets: object }>)['web']!.targets);
  }
  // From another run (or too old to be held): a full state.
  const stale = await openStream(url, { 'last-event-id': '999999' });
  streams.push(stale);
  assert.equal((await stale.next()).event, 'snapshot');

  // At most 64 streams at once: one more is refused, and the others go on.
  // Open now: the two catch-ups and the stale one.
  for (let i = 3; i < 64; i++) {
    const x = await openStream(url);
    streams.push(x);
    assert.equal(x.res.statusCode, 200, `stream ${i + 1} of 64`);
  }
  const extra = await openStream(url);
  streams.push(extra);
  assert.equal(extra.res.statusCode, 409);
});

test('GET /api/events: a refused reload is told with its issues, an applied one with its version, at the next period', async (t) => {
  // The reloader is the test's: each reload answers the next of these results.
  const results: Omit<ReloadResult, 'at' | 'source'>[] = [
    { ok: false, version: 1, issues: ['lb.yaml:3:5 pools.web.targets: at least one target'] },
    { ok: true, version: 2, issues: [] },
  ];
  const reloader: ReloadControl & { last: ReloadResult | undefined } = {
    last: undefined,
    version: 1,
    reload(source) {
      this.last = { ...results.shift()!, at: new Date().toISOString(), source };
      return Promise.resolve(this.last);
    },
    readNext: () => Promise.reject(new Error('not used')),
  };
  const { stack: s, clock } = await stillStack(t, { token: TOKEN, reloader });
  const stream = await openStream(`${s.url}/api/events`);
  t.after(() => stream.close());
  assert.equal((await stream.next()).event, 'snapshot');
  for (const [ok, cause] of [
    [false, 'reload (api) refused, version 1 kept: lb.yaml:3:5 pools.web.targets: at least one target'],
    [true, 'reload (api): config version 2 applied'],
  ] as const) {
    await http(`${s.url}/api/reload`, { method: 'POST', token: TOKEN });
    clock.advance(1000);
    const reload = await stream.next();
    assert.deepEqual([reload.event, reload.data['ok'], reload.data['cause']], ['reload', ok, cause]);
    assert.equal((await stream.next()).event, 'stats');
  }
});
