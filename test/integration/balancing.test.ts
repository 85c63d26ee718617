import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCli } from '../helpers/cli.js';
import { exchange, nameServer, type TestServer } from '../helpers/net.js';

async function servers(n: number): Promise<TestServer[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => nameServer(`s${i + 1}`)));
}

const ask = async (port: number, n: number, host = '127.0.0.1'): Promise<string[]> => {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await exchange(port, '', host)).toString());
  return out;
};

test('weights interleave smoothly: a@3,b@1 gives a a b a per cycle of four', async () => {
  const [a, b] = await servers(2);
  const lb = await startCli(['0', '-b', `127.0.0.1:${a!.port}@3,127.0.0.1:${b!.port}@1`, '--log-level', 'warn']);
  try {
    const seq = await ask(lb.port, 8);
    assert.deepEqual(seq, ['s1', 's1', 's2', 's1', 's1', 's1', 's2', 's1']);
  } finally {
    await lb.stop();
    await Promise.all([a!.close(), b!.close()]);
  }
});

test('every algorithm serves through the CLI; source-hash keeps a client on one target', async () => {
  const ss = await servers(3);
  const backends = ss.map((s) => `127.0.0.1:${s.port}`).join(',');
  try {
    for (const algo of ['least-connections', 'random', 'source-hash', 'first']) {
      const lb = await startCli(['0', '-b', backends, '-a', algo, '--log-level', 'warn']);
      try {
        const seq = await ask(lb.port, 9);
        assert.ok(
          seq.every((s) => /^s[123]$/.test(s)),
          `${algo}: ${seq.join(',')}`,
        );
        if (algo === 'source-hash' || algo === 'first') assert.equal(new Set(seq).size, 1, `${algo}: ${seq.join(',')}`);
        if (algo === 'first') assert.equal(seq[0], 's1');
        if (algo === 'least-connections') assert.equal(new Set(seq).size, 3, `${algo} rotates ties: ${seq.join(',')}`);
      } finally {
        await lb.stop();
      }
    }
  } finally {
    await Promise.all(ss.map((s) => s.close()));
  }
});

test('IPv6: listens on :: and forwards to an [::1] backend', async () => {
  const { createServer } = await import('node:net');
  const srv = createServer((s) => {
    s.on('error', () => undefined); // health checks close with a reset
    s.end('v6');
  });
  await new Promise<void>((r) => srv.listen(0, '::1', r));
  const port = (srv.address() as { port: number }).port;
  const lb = await startCli(['0', '--host', '::', '-b', `[::1]:${port}`, '--log-level', 'warn']);
  try {
    assert.deepEqual(await ask(lb.port, 2, '::1'), ['v6', 'v6']);
    assert.deepEqual(await ask(lb.port, 1, '127.0.0.1'), ['v6']);
  } finally {
    await lb.stop();
    await new Promise((r) => srv.close(r));
  }
});
