// node --test on Node 20 neither expands globs nor discovers .ts files, so list the files here.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';

const roots = process.argv.length > 2 ? process.argv.slice(2).map((d) => join('test', d)) : ['test'];
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.ts')) files.push(p);
  }
};
for (const r of roots) walk(r);
if (files.length === 0) {
  console.error('no test files found under', roots.join(', '));
  process.exit(1);
}

// Every process the tests start inherits this mark. One started with an environment of its own is
// found by its command line (this checkout's dist/ or test/) once orphaned: its topmost such
// ancestor has a parent that is not node (init, a subreaper). A run of single test files beside
// this one keeps its node test runner as parent, and is left alone.
const mark = `LB_TEST_RUN=${randomUUID()}`;
const checkout = resolve('.');
const ours = [join(checkout, 'dist') + '/', join(checkout, 'test') + '/'];

const read = (pid, what) => readFileSync(`/proc/${pid}/${what}`, 'utf8');
const cmdlineOf = (pid) => read(pid, 'cmdline').split('\0').join(' ').trim();
const parentOf = (pid) => Number(read(pid, 'stat').split(') ')[1]?.split(' ')[2]);

/** Processes still running that the tests started: [pid, command line]. */
function leftovers() {
  const found = [];
  const byCmdline = new Set();
  for (const d of readdirSync('/proc')) {
    const pid = Number(d);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (read(d, 'stat').split(') ')[1]?.[0] === 'Z') continue;
      const cmd = cmdlineOf(pid);
      if (read(d, 'environ').split('\0').includes(mark)) found.push([pid, cmd]);
      else if (ours.some((p) => cmd.includes(p))) byCmdline.add(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  for (const pid of byCmdline) {
    try {
      let top = pid;
      while (byCmdline.has(parentOf(top))) top = parentOf(top);
      const parent = parentOf(top);
      if (parent <= 1 || !/(^|\/)node( |$)/.test(cmdlineOf(parent))) found.push([pid, cmdlineOf(pid)]);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

const args = ['--import', 'tsx', '--test', '--test-concurrency=4', '--test-timeout=300000', ...files];
const [key, value] = mark.split('=');
const r = spawnSync(process.execPath, args, { stdio: 'inherit', env: { ...process.env, [key]: value } });

// A process that outlives the tests (an orphaned worker still listening, a forgotten backend)
// fails the run. Those still ending get a few seconds.
let left = process.platform === 'linux' ? leftovers() : [];
for (let waited = 0; left.length > 0 && waited < 5000; waited += 250) {
  await new Promise((res) => setTimeout(res, 250));
  left = leftovers();
}
if (left.length > 0) {
  console.error(`\n# ${left.length} process(es) started by the tests are still running (killed now):`);
  for (const [pid, cmd] of left) {
    console.error(`#   pid ${pid}: ${cmd.slice(0, 300)}`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // ended meanwhile
    }
  }
  process.exit(1);
}
process.exit(r.status ?? 1);
