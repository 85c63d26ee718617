import { Command, Option } from 'commander';
import { parsePort } from '../core/address.js';
import { describeError, InvalidArgumentError, isLbError } from '../core/errors.js';
import { packageVersion } from '../core/version.js';
import { runSupervisor, shouldSupervise } from '../supervisor/run-supervisor.js';
import type { RunOptions } from './run.js';
import { writePidFile } from './pid-file.js';
import { GENERATION_ENV } from '../supervisor/messages.js';

// The started process is the supervisor by default: it loads only the supervisor, the logger and
// the command line. The program itself (./run.js and all it imports, about 25 MB of resident
// memory) is imported where it runs: in the generation, or in the command that needs it.

const pkg = { version: packageVersion() };

const fail = (e: unknown): never => {
  // An invalid config file is a list of `file:line:col path: problem` lines, printed as they are.
  if (isLbError(e) && e.code === 'LB_ERR_CONFIG_INVALID') process.stderr.write(`${e.message}\n`);
  else process.stderr.write(`loadbalancer: ${describeError(e)}\n`);
  process.exit(1);
};

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

const program = new Command('loadbalancer')
  .description('A TCP (layer 4) load balancer: forwards every client connection to a pool of backends.')
  .version(pkg.version, '-v, --version')
  .argument('[PORT]', 'port to listen on', '8000')
  .option('--host <addr>', 'address to listen on (IPv6: ::)', '0.0.0.0')
  .option(
    '-b, --backend <host:port[@weight]>',
    'backend target(s), comma-separated, repeatable (default: the sample servers 127.0.0.1:5001-5003)',
    collect,
  )
  .option('-a, --algorithm <name>', 'round-robin | least-connections | random | source-hash | first', 'round-robin')
  .option('--connect-timeout <duration>', 'upstream connect timeout', '3s')
  .option(
    '--idle-timeout <duration>',
    'close a connection (UDP: end a session) idle this long in both directions (0 = never; default: 1h, 30s with --udp)',
  )
  .option('--retries <n>', 'retry a failed connect on another target this many times', '2')
  .option('--health-interval <duration>', 'active TCP check interval (0 = passive checks only)', '2s')
  .option('--health-timeout <duration>', 'active check timeout (default: 1s, or the interval if shorter)')
  .option('--rise <n>', 'successful checks before a down target is up again', '2')
  .option('--fall <n>', 'failed checks (or connects) before a target is down', '3')
  .option('--drain-timeout <duration>', 'on SIGTERM/SIGINT, wait this long for connections to finish', '30s')
  .option('--max-connections <n>', 'maximum concurrent client connections')
  .option('--admin <addr:port>', 'serve the admin API and /metrics here (token from $LB_ADMIN_TOKEN)')
  .option('--workers <n|auto>', 'worker processes sharing the load (auto: one per CPU core; default: one process)')
  .option('--udp', 'balance UDP datagrams: one session per client address and port (health checks: udp)')
  .option('--send-proxy <version>', 'send a PROXY protocol header (v1 | v2) to the backends, before any client byte')
  .option('--log-level <level>', 'fatal | error | warn | info | debug | trace | silent', 'info')
  .option('--log-format <format>', 'json | pretty (default: pretty on a terminal, json otherwise)')
  .option('--no-access-log', 'do not log one line per closed connection')
  .option('--relay <mode>', 'auto | native | js: who moves the bytes (auto: the native addon when built)')
  .option('--native-accept', 'the native relay also accepts and connects plain TCP connections (the default)')
  .option(
    '--no-native-accept',
    'Node accepts every connection, the native relay only moves bytes (config nativeAccept)',
  )
  .addOption(new Option('--with-servers', 'also start the three sample servers (npm start)'))
  .option('--pid-file <file>', 'write the PID to signal (reload, upgrade, stop) to this file; removed at exit')
  .option('-c, --config <file>', 'run from a YAML or JSON config file (docs/configuration.md) instead of the flags')
  .option('--watch', 'with --config: reload when the file changes (SIGHUP always reloads)')
  .showHelpAfterError(false)
  .configureOutput({ outputError: (str, write) => write(str.replace(/^error: /, 'loadbalancer: ')) })
  .action(
    async (port: string, opts: RunOptions & { config?: string; watch?: boolean; pidFile?: string }, cmd: Command) => {
      // The started process only: a generation's parent (the supervisor) wrote it.
      if (opts.pidFile !== undefined && process.env[GENERATION_ENV] === undefined) {
        try {
          writePidFile(opts.pidFile);
        } catch (e) {
          fail(e);
        }
      }
      // The started process supervises: it holds the sockets and runs this same command line as
      // program generations (upgrade: SIGUSR2). The generation below does the rest.
      if (shouldSupervise(process.env)) {
        await runSupervisor(opts).catch(fail);
        return;
      }
      if (opts.config !== undefined) {
        const { runConfigFile } = await import('./config-file.js');
        await runConfigFile(cmd, opts.config, opts).catch(fail);
        return;
      }
      if (opts.watch === true) fail(new InvalidArgumentError('--watch needs --config FILE'));
      const { cliConfig, runBalancer } = await import('./run.js');
      const { config, usingSamples } = (() => {
        try {
          return cliConfig(port, opts);
        } catch (e) {
          return fail(e);
        }
      })();
      await runBalancer(config, { usingSamples, withServers: opts.withServers === true }).catch(fail);
    },
  );

program
  .command('check')
  .description('validate a config file and exit: 0 when valid, 1 with every problem on stderr; opens no port')
  .argument('<file>', 'YAML or JSON config file')
  .action(async (file: string) => {
    const { checkCommand } = await import('./config-file.js');
    process.exitCode = await checkCommand(file);
  });

program
  .command('diff')
  .description(
    'show what a reload from OLD to NEW would change, one change a line: 0, or 1 with the problems of an invalid file',
  )
  .argument('<old>', 'the config file running now')
  .argument('<new>', 'the edited config file')
  .option('--json', 'print the changes as JSON')
  .action(async (oldFile: string, newFile: string, o: { json?: boolean }) => {
    const { diffCommand } = await import('./diff-command.js');
    process.exitCode = await diffCommand(oldFile, newFile, o);
  });

program
  .command('servers')
  .description('start the sample backends: HTTP servers answering "Hello from server N"')
  .option('--count <n>', 'how many servers', '3')
  .option('--base-port <port>', 'port of server 1; the others follow', '5001')
  .option('--host <addr>', 'address to listen on', '127.0.0.1')
  .option('--echo', 'raw TCP echo servers instead of HTTP')
  .action(async (o: { count: string; basePort: string; host: string; echo?: boolean }) => {
    try {
      if (!/^\d+$/.test(o.count) || Number(o.count) < 1 || Number(o.count) > 100)
        throw new Error(`--count: "${o.count}" must be an integer from 1 to 100`);
      const base = o.basePort === '0' ? 0 : parsePort(o.basePort, '--base-port');
      const { startSampleServers } = await import('../servers/sample-servers.js');
      const s = await startSampleServers({
        count: Number(o.count),
        basePort: base,
        host: o.host,
        echo: o.echo === true,
      });
      for (const [i, p] of s.ports.entries())
        process.stdout.write(`${o.echo ? 'Echo' : 'Sample'} server ${i + 1} listening on ${o.host}:${p}\n`);
      const stop = (): void => void s.stop().then(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    } catch (e) {
      fail(e);
    }
  });

program
  .command('proxy-protocol')
  .description('PROXY protocol tools')
  .command('decode')
  .argument('<HEX>', 'header bytes in hex (spaces, colons and a 0x prefix are ignored)')
  .description('print a PROXY protocol header (v1 or v2): version, command, addresses, TLVs, bytes consumed')
  .action(async (hex: string) => {
    try {
      const { describeProxyHeader, parseHex } = await import('./proxy-protocol-decode.js');
      process.stdout.write(`${describeProxyHeader(parseHex(hex))}\n`);
    } catch (e) {
      fail(e);
    }
  });

/** Parses the command line and runs the command. */
export async function runProgram(): Promise<void> {
  await program.parseAsync().catch(fail);
}
