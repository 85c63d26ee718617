import type { Command } from 'commander';
import { formatHostPort } from '../core/address.js';
import { InvalidArgumentError, LbError } from '../core/errors.js';
import { loadConfigFile, type LoadOutcome } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { LOG_LEVELS, type LogLevel } from '../log/logger.js';
import { workersOption } from './options.js';
import { runBalancer } from './run.js';

// Flags that still mean something next to --config: they are about this process, not the
// listeners and pools the file describes. Logging flags override the file's `log` section, and
// --workers its `workers`.
const ALONGSIDE_CONFIG = new Set([
  'config',
  'watch',
  'logLevel',
  'logFormat',
  'accessLog',
  'withServers',
  'workers',
  'pidFile',
]);

/** Refuses PORT, --backend and the other flags the config file replaces. */
export function checkConfigFlags(cmd: Command): void {
  const clashing = cmd.options
    .filter((o) => cmd.getOptionValueSource(o.attributeName()) === 'cli' && !ALONGSIDE_CONFIG.has(o.attributeName()))
    .map((o) => o.long ?? o.flags);
  if (cmd.args.length > 0) clashing.unshift('PORT');
  if (clashing.length > 0)
    throw new InvalidArgumentError(
      `--config cannot be combined with ${clashing.join(', ')} (the config file sets listeners and pools)`,
    );
}

export type LogOverrides = Partial<Pick<Config['log'], 'level' | 'format' | 'access'>>;

/** The logging flags given on the command line, which win over the file. */
export function logOverrides(cmd: Command): LogOverrides {
  const given = (name: string): boolean => cmd.getOptionValueSource(name) === 'cli';
  const o = cmd.opts<{ logLevel: string; logFormat?: string; accessLog: boolean }>();
  if (given('logLevel') && !(LOG_LEVELS as readonly string[]).includes(o.logLevel))
    throw new InvalidArgumentError(`--log-level: unknown level "${o.logLevel}" (choose ${LOG_LEVELS.join(', ')})`);
  if (given('logFormat') && o.logFormat !== 'json' && o.logFormat !== 'pretty')
    throw new InvalidArgumentError(`--log-format: "${o.logFormat}" must be json or pretty`);
  return {
    ...(given('logLevel') ? { level: o.logLevel as LogLevel } : {}),
    ...(given('logFormat') ? { format: o.logFormat as 'json' | 'pretty' } : {}),
    ...(given('accessLog') ? { access: o.accessLog } : {}),
  };
}

/** Reads the config file, with the command line's logging flags applied over it. */
export async function loadWithOverrides(file: string, overrides: LogOverrides): Promise<LoadOutcome> {
  const r = await loadConfigFile(file);
  if (!r.ok || Object.keys(overrides).length === 0) return r;
  return { ok: true, config: Object.freeze({ ...r.config, log: Object.freeze({ ...r.config.log, ...overrides }) }) };
}

/** `loadbalancer --config FILE [--watch]`: runs from the file; SIGHUP (and --watch) read it again. */
export async function runConfigFile(
  cmd: Command,
  file: string,
  o: { withServers?: boolean | undefined; watch?: boolean | undefined },
): Promise<void> {
  checkConfigFlags(cmd);
  const overrides = logOverrides(cmd);
  const workersFlag =
    cmd.getOptionValueSource('workers') === 'cli' ? cmd.opts<{ workers: string }>().workers : undefined;
  const workers = workersFlag === undefined ? undefined : workersOption(workersFlag);
  const load = async (): Promise<LoadOutcome> => {
    const r = await loadWithOverrides(file, overrides);
    return r.ok && workers !== undefined ? { ok: true, config: Object.freeze({ ...r.config, workers }) } : r;
  };
  const first = await load();
  if (!first.ok) throw new LbError('LB_ERR_CONFIG_INVALID', first.issues.join('\n'));
  await runBalancer(first.config, {
    usingSamples: false,
    withServers: o.withServers === true,
    load,
    file,
    watch: o.watch === true,
  });
}

/** `2 listeners, 1 pool, 5 targets; admin API on 127.0.0.1:9000` */
export function describeConfig(c: Config): string {
  const n = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;
  const pools = Object.values(c.pools);
  const parts = [
    n(Object.keys(c.listeners).length, 'listener'),
    n(pools.length, 'pool'),
    n(
      pools.reduce((sum, p) => sum + p.targets.length, 0),
      'target',
    ),
  ].join(', ');
  return c.admin ? `${parts}; admin API on ${formatHostPort(c.admin.bind)}` : parts;
}

export interface Output {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export const stdio: Output = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/** `loadbalancer check FILE`: 0 and a summary when valid, 1 and every problem on stderr otherwise. */
export async function checkCommand(file: string, io: Output = stdio): Promise<number> {
  const r = await loadConfigFile(file);
  if (r.ok) {
    io.out(`${file}: OK\n${describeConfig(r.config)}\n`);
    return 0;
  }
  reportProblems(file, r.issues, io);
  return 1;
}

/** Every problem of an invalid file on stderr, then how many: as `check` and `diff` print them. */
export function reportProblems(file: string, issues: readonly string[], io: Output): void {
  const count = issues.length;
  io.err(`${issues.join('\n')}\n${file}: ${count} problem${count === 1 ? '' : 's'}\n`);
}
