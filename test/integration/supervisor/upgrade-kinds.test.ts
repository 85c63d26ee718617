import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningCli } from '../../helpers/cli.js';
import { configDir } from '../../helpers/config-file.js';
import { echoStream } from '../../helpers/echo-stream.js';
import { http } from '../../helpers/http.js';
import { echoServer, eventually } from '../../helpers/net.js';
import { steadyClients } from '../../helpers/steady-clients.js';
import { childPids, killSupervised, startSupervised } from '../../helpers/supervised.js';
import { UDP_READY, UdpClient, udpEcho } from '../../helpers/udp.js';

const adminUrl = (lb: RunningCli): string => /Admin API listening on (http:\/\/[\d.:]+)/.exec(lb.stdout())![1]!;
const generationIs = (lb: RunningCli, n: number): Promise<true> =>
  eventually(
    async () =>
      ((await http(`${adminUrl(lb)}/api/status`)).json as { generation: number }).generation === n || undefined,
    60_000,
    `generation ${n}`,
  );
const drained = (lb: RunningCli, n: number): Promise<true> =>
  eventually(
    () => new RegExp(`generation ${n} \\(pid \\d+\\) drained and exited`).test(lb.stdout()) || undefined,
    60_000,
    `generation ${n} gone`,
  );

test('upgrade with workers: 2: the new generation’s workers take the same sockets; no connection fails, a long stream crosses it', async () => {
  const echo = await echoServer();
  const files = configDir();
  const file = files.write('lb.yaml', {
    listeners: { web: { bind: '127.0.0.1:0', pool: 'web' } },
    pools: { web: { targets: [`127.0.0.1:${echo.port}`], healthCheck: { type: 'none' } } },
    admin: { bind: '127.0.0.1:0' },
    workers: 2,
    drainTimeout: '60s',
  });
  const lb = await startSupervised(['--config', file, '--log-format', 'json']);
  try {
    const before = childPids(lb.proc.pid!);
    assert.equal(before.length, 1, 'one generation');
    assert.equal(childPids(before[0]!).length, 2, 'two workers under it');
    const long = await echoStream(lb.port);
    const clients = steadyClients(lb.port);
    await eventually(() => clients.ok() >= 20 || undefined, 30_000, 'clients before');
    lb.proc.kill('SIGUSR2');
    await generationIs(lb, 2);
    const okAtSwitch = clients.ok();
    await eventually(() => clients.ok() >= okAtSwitch + 30 || undefined, 30_000, 'clients after');
    assert.equal(long.broken(), undefined);
    const sums = await long.finish(30_000);
    assert.equal(sums.received, sums.sent, 'SHA-256 of the long stream');
    await drained(lb, 1);
    await clients.stop();
    assert.deepEqual(clients.failures(), [], `${clients.failures().length} of ${clients.ok()} failed`);
    const now = childPids(lb.proc.pid!);
    assert.equal(now.length, 1, 'only generation 2 is left');
    assert.notEqual(now[0], before[0]);
    assert.equal(childPids(now[0]!).length, 2, 'with its two workers');
  } finally {
    await killSupervised(lb);
    await echo.close();
    files.remove();
  }
});

test('upgrade with a UDP listener: the new generation reads the same socket at once; no datagram is lost, new clients are served while the old one drains', async () => {
  const target = await udpEcho('');
  const echo = await echoServer();
  const files = configDir();
  const file = files.write('lb.yaml', {
    listeners: {
      dns: { bind: '127.0.0.1:0', protocol: 'udp', pool: 'echo' },
      // A TCP connection held open keeps generation 1 draining while new UDP clients come.
      web: { bind: '127.0.0.1:0', pool: 'web' },
    },
    pools: {
      echo: { targets: [`127.0.0.1:${target.port}`], idleTimeout: '30s', healthCheck: { type: 'none' } },
      web: { targets: [`127.0.0.1:${echo.port}`], healthCheck: { type: 'none' } },
    },
    admin: { bind: '127.0.0.1:0' },
    drainTimeout: '60s',
    log: { format: 'json' },
  });
  const lb = await startSupervised(['--config', file], { ready: UDP_READY });
  const webPort = Number(/Server is listening on port (\d+)/.exec(lb.stdout())![1]);
  const held = await echoStream(webPort);
  const clients = Array.from({ length: 4 }, () => new UdpClient(lb.port));
  let sent = 0;
  const timer = setInterval(() => {
    for (const c of clients) c.send(`datagram ${sent}`);
    sent++;
  }, 20);
  const replies = (): number => Math.min(...clients.map((c) => c.replies.length));
  const fresh: UdpClient[] = [];
  try {
    await eventually(() => replies() >= 20 || undefined, 30_000, 'replies before');
    const [first] = childPids(lb.proc.pid!);
    lb.proc.kill('SIGUSR2');
    await generationIs(lb, 2);
    const atSwitch = replies();
    await eventually(() => replies() >= atSwitch + 20 || undefined, 30_000, 'replies from generation 2');
    // Generation 1 still drains (the TCP stream), and reads the shared socket no more: were it
    // still reading, about half of these new clients would be dropped there (\`shutdown\`).
    for (let i = 0; i < 10; i++) fresh.push(new UdpClient(lb.port));
    const answers = await Promise.all(fresh.map((c, i) => c.request(`new client ${i}`)));
    assert.deepEqual(
      answers.map((a) => a.toString()),
      fresh.map((_, i) => `new client ${i}`),
    );
    assert.ok(childPids(lb.proc.pid!).includes(first!), 'generation 1 was still draining');
    assert.equal(held.broken(), undefined);
    const sums = await held.finish(30_000);
    assert.equal(sums.received, sums.sent, 'the TCP stream crossed the upgrade intact');
    await drained(lb, 1);
    clearInterval(timer);
    // Every datagram sent has its reply (the echo answers each one).
    await eventually(() => clients.every((c) => c.replies.length === sent) || undefined, 10_000, 'every reply').catch(
      () => assert.fail(`replies ${clients.map((c) => c.replies.length).join(', ')} of ${sent} each`),
    );
  } finally {
    clearInterval(timer);
    await Promise.all([...clients, ...fresh].map((c) => c.close()));
    await killSupervised(lb);
    await target.close();
    await echo.close();
    files.remove();
  }
});
