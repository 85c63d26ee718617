import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';
import { tcpServer } from '../helpers/net.js';

test('bad arguments exit non-zero with one clear line naming the argument, never a stack trace', async () => {
  const busy = await tcpServer(() => undefined);
  const cases: { args: string[]; want: RegExp }[] = [
    { args: ['-a', 'fastest'], want: /--algorithm: unknown algorithm "fastest"/ },
    { args: ['99999'], want: /PORT: port 99999 is out of range/ },
    { args: ['http'], want: /PORT: "http" is not a port number/ },
    { args: ['--host', 'not a host'], want: /--host: "not a host" is not a valid address/ },
    { args: ['-b', 'nonsense'], want: /--backend "nonsense": "nonsense" has no port/ },
    { args: ['-b', '10.0.0.1:70000'], want: /port 70000 is out of range/ },
    { args: ['-b', ','], want: /--backend: no backend given/ },
    { args: ['-b', '127.0.0.1:1@x'], want: /--backend: weight "x"/ },
    { args: ['--connect-timeout', 'soon'], want: /--connect-timeout: "soon" is not a duration/ },
    { args: ['--connect-timeout', '0'], want: /--connect-timeout: must be greater than 0/ },
    { args: ['--retries', '-1'], want: /error: unknown option|--retries/ },
    { args: ['--rise', '0'], want: /--rise: "0" must be an integer from 1 to 100/ },
    { args: ['--log-format', 'xml'], want: /--log-format: "xml" must be json or pretty/ },
    { args: ['--bogus'], want: /unknown option '--bogus'/ },
    {
      args: [String(busy.port), '--host', '127.0.0.1'],
      want: new RegExp(`cannot listen on 127\\.0\\.0\\.1:${busy.port}: address already in use`),
    },
  ];
  try {
    for (const c of cases) {
      const r = await runCli(c.args);
      assert.notEqual(r.code, 0, `${c.args.join(' ')} should fail`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `${c.args.join(' ')}: one line, got ${JSON.stringify(r.stderr)}`);
      assert.match(lines[0]!, c.want, c.args.join(' '));
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
  } finally {
    await busy.close();
  }
});

test('--help and --version', async () => {
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  for (const flag of [
    '--backend',
    '--algorithm',
    '--connect-timeout',
    '--idle-timeout',
    '--retries',
    '--health-interval',
    '--health-timeout',
    '--rise',
    '--fall',
    '--drain-timeout',
    '--log-level',
    '--log-format',
    '--version',
  ])
    assert.ok(help.stdout.includes(flag), flag);
  const v = await runCli(['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout.trim(), /^\d+\.\d+\.\d+$/);
});
