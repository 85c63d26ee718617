import { loadRelayAddon, type RelayAddon } from '../proxy/native-addon.js';

/**
 * V8 flags for a process that carries connections. A 1 MiB semi-space (V8's default grows it to
 * 16 MiB, so the young generation takes up to 32 MiB of resident memory) cut the resident growth
 * under slow readers from 8.7 to 1.5 MiB, the RSS peak from 109 to 87 MiB and the memory per idle
 * proxied connection from 5.9 to 4.4 KB, at the same CPU per connection and per request
 * (docs/benchmarks.md, "What each optimization bought"). A young-generation collection costs in
 * proportion to what survives it, and a proxy's per-connection garbage mostly dies young.
 *
 * V8 sizes its heap when the process starts: `v8.setFlagsFromString` afterwards has no effect on
 * it (measured on Node 20, 22 and 24, docs/benchmarks.md). So the program gives the flags to
 * itself: ensureDataPlaneFlags() replaces the process, same PID, by one started with them, and
 * cluster workers get them from the primary.
 */
export const DATA_PLANE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];

/** Set in the environment of the re-executed process: never re-execute twice. */
const APPLIED_ENV = 'LB_DATA_PLANE_FLAGS';

const flagName = (flag: string): string => flag.split('=')[0]!.replace(/_/g, '-');

/** The data-plane flags the user did not set already (on the command line or in NODE_OPTIONS). */
export function missingDataPlaneFlags(execArgv: readonly string[], nodeOptions = ''): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)].map(flagName);
  return DATA_PLANE_NODE_FLAGS.filter((f) => !given.includes(flagName(f)));
}

/** `execArgv` plus the data-plane flags the user did not set already (there or in NODE_OPTIONS). */
export function withDataPlaneFlags(execArgv: readonly string[], nodeOptions = ''): string[] {
  return [...execArgv, ...missingDataPlaneFlags(execArgv, nodeOptions)];
}

/** How this process got its data-plane flags (for the start log). */
export type FlagsOutcome =
  { readonly how: 'given' | 're-executed' | 'ipc-child' } | { readonly how: 'unavailable'; readonly reason: string };

type Execve = (file: string, args: string[], env: NodeJS.ProcessEnv) => never;

export interface FlagsProcess {
  readonly execPath: string;
  readonly execArgv: readonly string[];
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly channel?: unknown;
  readonly execve?: Execve;
}

/** execve(2) keeping the PID: Node's own (>= 22.15) or the addon's (Node 20). */
function execveOf(p: FlagsProcess, addon: () => RelayAddon | undefined): Execve | undefined {
  if (typeof p.execve === 'function') return p.execve.bind(p);
  const a = addon();
  if (!a?.execve) return undefined;
  return (file, args, env) => {
    a.execve!(
      file,
      args,
      Object.entries(env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`])),
    );
    throw new Error('execve returned');
  };
}

/**
 * Gives this process the data-plane flags, whoever started it (the `loadbalancer` bin, `node
 * dist/main.js`, systemd, the bench): when some are missing, replaces the process with the same
 * command plus the flags, keeping its PID, stdio and environment. A flag the user set (command line
 * or NODE_OPTIONS) wins. Call first thing, before the program allocates anything worth keeping.
 * Returns only when no re-execution is needed or possible.
 */
export function ensureDataPlaneFlags(
  p: FlagsProcess = process,
  addon: () => RelayAddon | undefined = () => loadRelayAddon().addon,
): FlagsOutcome {
  if (p.env[APPLIED_ENV] === 'applied') {
    Reflect.deleteProperty(p.env, APPLIED_ENV); // not inherited by what this process starts
    return { how: 're-executed' };
  }
  const missing = missingDataPlaneFlags(p.execArgv, p.env.NODE_OPTIONS);
  if (missing.length === 0) return { how: 'given' };
  // A forked child (IPC channel: tests, supervisors using fork) keeps its channel only as it is.
  if (p.channel !== undefined) return { how: 'ipc-child' };
  const execve = execveOf(p, addon);
  if (!execve) return { how: 'unavailable', reason: 'no execve: Node < 22.15 without the native addon' };
  try {
    execve(p.execPath, [p.execPath, ...p.execArgv, ...missing, ...p.argv.slice(1)], {
      ...p.env,
      [APPLIED_ENV]: 'applied',
    });
  } catch (e) {
    return { how: 'unavailable', reason: `execve failed: ${e instanceof Error ? e.message : String(e)}` };
  }
  return { how: 'unavailable', reason: 'execve returned' };
}
