import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { runCli } from '../helpers/cli.js';
import { tcpServer } from '../helpers/net.js';
import { cliConfig } from '../../src/cli/run.js';
import type { CliOptions } from '../../src/cli/options.js';

const DEFAULTS: CliOptions = {
  host: '0.0.0.0',
  algorithm: 'round-robin',
  connectTimeout: '3s',
  idleTimeout: '1h',
  retries: '2',
  healthInterval: '2s',
  rise: '2',
  fall: '3',
  drainTimeout: '30s',
  logLevel: 'info',
  accessLog: true,
};

test('every bad argument is refused with a message that names it (table)', () => {
  const cases: { port?: string; o: Partial<CliOptions>; want: RegExp }[] = [
    { o: { algorithm: 'fastest' }, want: /^--algorithm: unknown algorithm "fastest" \(choose round-robin/ },
    { port: '99999', o: {}, want: /^PORT: port 99999 is out of range/ },
    { port: 'http', o: {}, want: /^PORT: "http" is not a port number/ },
    { o: { host: 'not a host' }, want: /^--host: "not a host" is not a valid address/ },
    { o: { backend: ['nonsense'] }, want: /^--backend "nonsense": "nonsense" has no port/ },
    { o: { backend: ['10.0.0.1:70000'] }, want: /port 70000 is out of range/ },
    { o: { backend: [','] }, want: /^--backend: no backend given/ },
    { o: { backend: ['127.0.0.1:1@x'] }, want: /^--backend: weight "x"/ },
    { o: { connectTimeout: 'soon' }, want: /^--connect-timeout: "soon" is not a duration/ },
    { o: { connectTimeout: '0' }, want: /^--connect-timeout: must be greater than 0/ },
    { o: { retries: '-1' }, want: /^--retries: "-1" must be an integer from 0 to 10/ },
    { o: { rise: '0' }, want: /^--rise: "0" must be an integer from 1 to 100/ },
    {
      o: { healthInterval: '100ms', healthTimeout: '1s' },
      want: /^--health-timeout: timeout \(1000ms\) is longer than interval/,
    },
    { o: { logFormat: 'xml' }, want: /^--log-format: "xml" must be json or pretty/ },
  ];
  for (const c of cases)
    assert.throws(() => cliConfig(c.port, { ...DEFAULTS, ...c.o }), { message: c.want }, JSON.stringify(c));
  assert.equal(cliConfig('8080', DEFAULTS).config.listeners.main!.bind.port, 8080);
  assert.ok(new Command()); // commander itself reports unknown options (below, through the real CLI)
});

test('the real CLI: exit 1 and one line on stderr naming the argument, never a stack trace', async () => {
  const busy = await tcpServer(() => undefined);
  const cases: { args: string[]; want: RegExp }[] = [
    { args: ['-a', 'fastest'], want: /^loadbalancer: --algorithm: unknown algorithm "fastest"/ },
    { args: ['99999'], want: /^loadbalancer: PORT: port 99999 is out of range/ },
    { args: ['--bogus'], want: /unknown option '--bogus'/ },
    {
      args: [String(busy.port), '--host', '127.0.0.1'],
      want: new RegExp(`cannot listen on 127\\.0\\.0\\.1:${busy.port}: address already in use`),
    },
  ];
  try {
    for (const c of cases) {
      const r = await runCli(c.args, 60_000);
      assert.equal(r.code, 1, `${c.args.join(' ')} should fail`);
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
  const help = await runCli(['--help'], 60_000);
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
  const v = await runCli(['--version'], 60_000);
  assert.equal(v.code, 0);
  assert.match(v.stdout.trim(), /^\d+\.\d+\.\d+$/);
});
