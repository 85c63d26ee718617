import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { ConfigInput } from '../../../src/config/schema.js';
import { Metrics } from '../../../src/metrics/metrics.js';
import { http } from '../../helpers/http.js';
import { requireProgram } from '../../helpers/programs.js';
import { startStack } from '../../helpers/stack.js';

const run = promisify(execFile);
const DOC = readFileSync(new URL('../../../docs/operations.md', import.meta.url), 'utf8');

/** The `curl` lines of the ```sh blocks, in the order of the page. */
const curlLines = (): string[] =>
  [...DOC.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n').filter((l) => l.startsWith('curl ')));

test('docs/operations.md lists every metric and every endpoint', async () => {
  const names = new Metrics({ runtime: () => undefined, processMetrics: false }).registry
    .getMetricsAsArray()
    .map((m) => (m as unknown as { name: string }).name);
  for (const name of names) assert.ok(DOC.includes(`| \`${name}\``), `${name} is missing from the metrics table`);
  const s = await startStack({ listeners: {}, pools: {} });
  try {
    const { endpoints } = (await http(`${s.url}/api`)).json as { endpoints: string[] };
    for (const e of endpoints) assert.ok(DOC.includes(`| \`${e}\``), `${e} is missing from the endpoints table`);
    const curls = curlLines().join('\n');
    for (const e of endpoints) {
      const [method, path] = e.split(' ') as [string, string];
      const pattern = path.replace(/:pool/, 'web').replace(/:target/, '10\\.0\\.0\\.\\d:8080');
      const flag = method === 'GET' ? '' : `-X ${method} `;
      assert.match(curls, new RegExp(`${flag}.*"\\$ADMIN${pattern}"`), `no curl example for ${e}`);
    }
  } finally {
    await s.stop();
  }
});

test('every curl example of docs/operations.md works, in the order of the page', async (t) => {
  if (!requireProgram(t, 'curl')) return;
  const input: ConfigInput = {
    listeners: { web: { bind: '127.0.0.1:0', pool: 'web' } },
    pools: { web: { targets: ['10.0.0.1:8080', '10.0.0.2:8080'], healthCheck: { type: 'none' } } },
  };
  // The upgrade is the supervisor's (test/integration/supervisor/upgrade.test.ts): answered here by a stand-in.
  const program = {
    generation: 1,
    version: '0.0.0',
    upgrade: () => Promise.resolve({ ok: true, generation: 2, version: '0.0.0' }),
  };
  const s = await startStack(input, { token: 's3cret', load: () => input, program });
  try {
    const lines = curlLines();
    assert.ok(lines.length >= 15, `${lines.length} curl examples`);
    for (const line of lines) {
      // A stream (curl -N: GET /api/events) never ends by itself: read it for a second.
      const streaming = / -N /.test(line);
      const { stdout } = await run(
        'sh',
        ['-c', `${line} -o /dev/null -w '%{http_code}'${streaming ? ' -m 1 || true' : ''}`],
        {
          env: { ...process.env, ADMIN: s.url, LB_ADMIN_TOKEN: 's3cret' },
        },
      );
      assert.match(stdout, /^20[01]$/, `${line} answered ${stdout}`);
    }
  } finally {
    await s.stop();
  }
});
