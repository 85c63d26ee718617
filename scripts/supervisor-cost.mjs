// What the supervisor (on by default) costs: the time from the start of `node dist/main.js` to its
// banner, and the resident memory of each process once idle, with the supervisor (the default) and
// without (LB_SUPERVISOR=0). Runs each mode --runs times (default 5), one start at a time, and
// prints medians with the load average. About 6 s a run: `node scripts/supervisor-cost.mjs`.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const runsAt = process.argv.indexOf('--runs');
const RUNS = runsAt > 0 ? Number(process.argv[runsAt + 1]) : 5;
/** Idle this long before memory is read: the start's garbage collected, timers settled. */
const SETTLE_MS = 3000;

if (!existsSync(MAIN)) {
  console.error('build first: npm run build');
  process.exit(1);
}

const rssMiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const childrenOf = (pid) =>
  readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((n) => {
      try {
        const stat = readFileSync(`/proc/${n}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function once(supervised) {
  const env = { ...process.env };
  if (supervised) delete env.LB_SUPERVISOR;
  else env.LB_SUPERVISOR = '0';
  const started = process.hrtime.bigint();
  const args = [
    MAIN,
    '0',
    '--host',
    '127.0.0.1',
    '-b',
    '127.0.0.1:9',
    '--health-interval',
    '0',
    '--log-format',
    'json',
  ];
  const lb = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  lb.stdout.on('data', (d) => (out += d));
  const exited = new Promise((resolve) => lb.once('exit', resolve));
  try {
    for (let waited = 0; !/Server is listening on port/.test(out); waited += 5) {
      if (waited > 60_000 || lb.exitCode !== null) throw new Error(`no banner: ${out}`);
      await sleep(5);
    }
    const readyMs = Number(process.hrtime.bigint() - started) / 1e6;
    await sleep(SETTLE_MS);
    const kids = childrenOf(lb.pid);
    const startedRss = rssMiB(lb.pid);
    const kidsRss = kids.reduce((sum, k) => sum + rssMiB(k), 0);
    return { readyMs, startedRss, kidsRss, processes: 1 + kids.length };
  } finally {
    lb.kill('SIGTERM');
    await exited;
  }
}

console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}; ${RUNS} runs per mode`,
);
const rows = [];
for (const supervised of [false, true]) {
  const rs = [];
  for (let i = 0; i < RUNS; i++) rs.push(await once(supervised));
  rows.push({
    mode: supervised ? 'supervisor (default)' : 'LB_SUPERVISOR=0',
    processes: rs[0].processes,
    'start to banner, ms (median)': median(rs.map((r) => r.readyMs)).toFixed(0),
    'started process RSS, MiB': median(rs.map((r) => r.startedRss)).toFixed(1),
    'its children RSS, MiB': median(rs.map((r) => r.kidsRss)).toFixed(1),
    'total RSS, MiB': median(rs.map((r) => r.startedRss + r.kidsRss)).toFixed(1),
  });
}
console.table(rows);
console.log(
  `load average at end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
