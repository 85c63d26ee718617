import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffCommand } from '../../src/cli/diff-command.js';
import { runCli, startCli } from '../helpers/cli.js';
import { configDir } from '../helpers/config-file.js';
import { apiError, http } from '../helpers/http.js';
import { nameServer, exchange } from '../helpers/net.js';

const OLD = {
  listeners: { web: { bind: '127.0.0.1:8000', pool: 'web' } },
  pools: { web: { targets: ['127.0.0.1:5001', '127.0.0.1:5002'], healthCheck: { interval: '2s' } } },
};
const NEW = {
  listeners: { web: { bind: '127.0.0.1:8000', pool: 'web' }, api: { bind: '127.0.0.1:8001', pool: 'api' } },
  pools: {
    web: {
      targets: ['127.0.0.1:5001', { address: '127.0.0.1:5003', weight: 2 }],
      healthCheck: { interval: '5s' },
    },
    api: { targets: ['127.0.0.1:6001'] },
  },
  drainTimeout: '5s',
};
const LINES = [
  '+ listener api',
  '+ pool api',
  '~ pool web healthCheck.interval: 2s → 5s',
  '+ pool web target 127.0.0.1:5003',
  '- pool web target 127.0.0.1:5002',
  '~ drainTimeout: 30s → 5s',
];

const run = async (...args: Parameters<typeof diffCommand>) => {
  let stdout = '';
  let stderr = '';
  const code = await diffCommand(args[0], args[1], args[2], { out: (t) => (stdout += t), err: (t) => (stderr += t) });
  return { code, stdout, stderr };
};

test('diff: the changes one per line, "no changes" when there are none, --json with the structure', async () => {
  const files = configDir();
  try {
    const [a, b] = [files.write('old.yaml', OLD), files.write('new.yaml', NEW)];
    assert.deepEqual(await run(a, b), { code: 0, stdout: `${LINES.join('\n')}\n`, stderr: '' });
    assert.deepEqual(await run(a, a), {
      code: 0,
      stdout: `no changes: a reload from ${a} to ${a} would change nothing\n`,
      stderr: '',
    });
    const json = await run(a, b, { json: true });
    assert.equal(json.code, 0);
    const parsed = JSON.parse(json.stdout) as {
      changes: number;
      lines: string[];
      diff: { pools: { added: string[] } };
    };
    assert.deepEqual([parsed.changes, parsed.lines, parsed.diff.pools.added], [LINES.length, LINES, ['api']]);
  } finally {
    files.remove();
  }
});

test('diff: an invalid file is reported as check reports it (file:line:col), exit 1', async () => {
  const files = configDir();
  try {
    const good = files.write('good.yaml', OLD);
    const bad = files.write('bad.yaml', 'listeners:\n  web: { bind: 127.0.0.1:8000, pool: nope }\npools: {}\n');
    const broken = files.write('broken.yaml', 'listeners: [\n');
    const r = await run(bad, broken);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^${bad}:2:\\d+ listeners\\.web\\.pool: .*nope.*\n${bad}: 1 problem\n`));
    assert.match(r.stderr, new RegExp(`\n${broken}:\\d+:\\d+ .*\n${broken}: 1 problem\n$`));
    const one = await run(good, bad);
    assert.equal(one.code, 1);
    assert.doesNotMatch(one.stderr, /good\.yaml/);
  } finally {
    files.remove();
  }
});

test('CLI: loadbalancer diff exits 0 with the lines, 1 on an invalid file', async () => {
  const files = configDir();
  try {
    const [a, b] = [files.write('old.yaml', OLD), files.write('new.json', JSON.stringify(NEW))];
    const bad = files.write('bad.yaml', { ...OLD, pools: { web: { algoritm: 'first' } } });
    const [ok, refused] = await Promise.all([runCli(['diff', a, b]), runCli(['diff', a, bad])]);
    assert.deepEqual(ok, { code: 0, stdout: `${LINES.join('\n')}\n`, stderr: '' });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /bad\.yaml:\d+:\d+ pools\.web\.algoritm: unknown key, did you mean "algorithm"\?/);
  } finally {
    files.remove();
  }
});

test('GET /api/config/diff: what a reload of the edited file would change, applied nowhere; 422 on a bad file', async () => {
  const [a, b] = await Promise.all([nameServer('A'), nameServer('B')]);
  const [A, B] = [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`];
  const files = configDir();
  const write = (targets: string[], retries = 2): string =>
    files.write('lb.yaml', {
      listeners: { main: { bind: '127.0.0.1:0', pool: 'web' } },
      pools: { web: { targets, retries, healthCheck: { type: 'none' } } },
      admin: { bind: '127.0.0.1:0', token: '${LB_ADMIN_TOKEN}' },
    });
  const lb = await startCli(['--config', write([A]), '--log-format', 'json'], { env: { LB_ADMIN_TOKEN: 't0k' } });
  const url = /Admin API listening on (http:\/\/\S+)\n/.exec(lb.stdout())?.[1] ?? '';
  const api = (path: string, method = 'GET', body?: string) => http(`${url}${path}`, { method, body, token: 't0k' });
  type Diff = { version: number; changes: number; lines: string[]; resetsRuntimeChanges: string[] };
  try {
    assert.equal((await http(`${url}/api/config/diff`)).status, 401);
    let r = await api('/api/config/diff');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, {
      version: 1,
      changes: 0,
      lines: [],
      diff: {
        listeners: { added: [], removed: [], changed: [] },
        pools: { added: [], removed: [], changed: [] },
        settings: [],
      },
      resetsRuntimeChanges: [],
    });

    write([B], 0);
    r = await api('/api/config/diff');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual((r.json as Diff).lines, [
      '~ pool web retries: 2 → 0',
      `+ pool web target ${B}`,
      `- pool web target ${A}`,
    ]);
    assert.equal((await exchange(lb.port, '')).toString(), 'A', 'nothing was applied');
    const status = (await api('/api/status')).json as { config: { version: number } };
    assert.equal(status.config.version, 1);

    write([A]);
    assert.equal((await api(`/api/pools/web/targets/${A}`, 'PATCH', '{"weight":5}')).status, 200);
    r = await api('/api/config/diff');
    assert.deepEqual([(r.json as Diff).lines, (r.json as Diff).resetsRuntimeChanges], [[], ['web']]);

    files.write('lb.yaml', 'listeners:\n  main: { bind: 127.0.0.1:0, pool: web }\npools:\n  web: { retries: -1 }\n');
    r = await api('/api/config/diff');
    assert.equal(r.status, 422, r.text);
    assert.equal(apiError(r).code, 'LB_ERR_CONFIG_INVALID');
    assert.match(apiError(r).message, /^a reload would refuse the config and keep version 1: 1 problem, first: /);
    assert.match((r.json as { error: { issues: string[] } }).error.issues[0]!, /lb\.yaml:4:\d+ pools\.web\.retries: /);
  } finally {
    assert.equal(await lb.stop(), 0);
    files.remove();
    await Promise.all([a.close(), b.close()]);
  }
});
