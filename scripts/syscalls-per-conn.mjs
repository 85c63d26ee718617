#!/usr/bin/env node
// System calls and CPU time per proxied connection, ours against HAProxy: the measure of issue 15
// (docs/benchmarks.md). For each proxy: N short connections (connect, a small request, a small
// answer, the backend closes), 8 at a time; CPU = user + system time of the process that carries
// the connections (ours: the generation its supervisor runs) from /proc/PID/stat over the N
// connections, divided by N (load-sensitive: the load average is printed with it); then the same
// N connections under `strace -c -f -p PID` (counts do not depend on the
// load, timings under strace mean nothing). Needs a build (npm run build), strace, and haproxy for
// the comparison.
//
//   node scripts/syscalls-per-conn.mjs [--conns 2000] [--systems haproxy,js,native,accept] [--top 12]
//
// Systems: haproxy (2.x, nbthread 1, `option tcplog` to stdout like the bench), and ours started
// as a user starts it (node dist/main.js PORT -b …, JSON access log to /dev/null): `js` (--relay
// js), `native` (the native relay, Node accepts: --no-native-accept), `accept` (native accept: the
// default, no flag).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    conns: { type: 'string', default: '2000' },
    systems: { type: 'string' },
    top: { type: 'string', default: '12' },
  },
});
const N = Number(values.conns);
const CONCURRENCY = 8;
const systems = (values.systems ?? 'haproxy,js,native,accept').split(',');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const has = (cmd) => spawnSync(cmd, ['-v'], { stdio: 'ignore' }).error === undefined;

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** Backends: answer the first bytes with a small HTTP answer and close (the server closes first). */
async function backend() {
  const answer = 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok';
  const server = createServer((s) => {
    s.on('error', () => undefined);
    s.once('data', () => s.end(answer));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

/** One short connection through the proxy; resolves when it is closed. */
const once = (port) =>
  new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' });
    let got = 0;
    s.on('data', (d) => (got += d.length));
    s.on('error', reject);
    s.on('connect', () => s.write('GET / HTTP/1.0\r\n\r\n'));
    s.on('close', () => (got > 0 ? resolve() : reject(new Error('no answer'))));
  });

async function run(port, n) {
  let left = n;
  const worker = async () => {
    while (left-- > 0) await once(port);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

const cpuTicks = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]); // utime + stime, all threads
};
const HZ = 100; // USER_HZ on Linux

/**
 * The process that carries the connections: started as a user starts it, ours is a supervisor
 * (no traffic) running the program as its one child; HAProxy (-db) is the process itself.
 */
function trafficPid(pid) {
  const kids = readdirSync(`/proc/${pid}/task`).flatMap((t) =>
    readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
  );
  return kids.length === 1 ? kids[0] : pid;
}

async function start(system, port, backends, dir) {
  const b = backends.map((s) => `127.0.0.1:${s.address().port}`);
  let proc;
  if (system === 'haproxy') {
    const { haproxyConfig } = await import(join(root, 'dist/bench/peer-configs.js'));
    const cfg = join(dir, 'haproxy.cfg');
    const ports = backends.map((s) => s.address().port);
    writeFileSync(cfg, haproxyConfig({ port, backends: ports, accessLog: true, maxConn: 4096, nofile: 8192 }));
    proc = spawn('haproxy', ['-f', cfg, '-db'], { stdio: ['ignore', 'ignore', 'inherit'] });
  } else {
    const flags = { js: ['--relay', 'js'], native: ['--no-native-accept'], accept: [] }[system];
    if (!flags) throw new Error(`unknown system ${system}`);
    const args = [join(root, 'dist/main.js'), String(port), '--host', '127.0.0.1', '-b', b.join(',')];
    args.push('--health-interval', '0', '--log-format', 'json', ...flags);
    proc = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  for (let i = 0; i < 200; i++) {
    try {
      await once(port);
      return proc;
    } catch {
      await sleep(100);
    }
  }
  proc.kill('SIGKILL');
  throw new Error(`${system} did not serve on ${port}`);
}

async function strace(pid, fn) {
  const out = join(mkdtempSync(join(tmpdir(), 'lb-strace-')), 'strace.txt');
  const st = spawn('strace', ['-c', '-f', '-p', String(pid), '-o', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  st.stderr.on('data', (d) => (err += d));
  for (let i = 0; i < 100 && !/attached/.test(err); i++) await sleep(50);
  await sleep(200); // every thread attached
  await fn();
  await sleep(300);
  st.kill('SIGINT');
  await new Promise((r) => st.once('exit', r));
  const calls = new Map();
  for (const line of readFileSync(out, 'utf8').split('\n')) {
    const t = line.trim().split(/\s+/);
    if (t.length < 5 || !/^\d/.test(t[0]) || t[t.length - 1] === 'total') continue;
    calls.set(t[t.length - 1], Number(t[3]));
  }
  rmSync(dirname(out), { recursive: true, force: true });
  return calls;
}

async function main() {
  if (!has('strace')) throw new Error('strace is missing (apt-get install strace)');
  const backends = [await backend(), await backend()];
  const dir = mkdtempSync(join(tmpdir(), 'lb-syscalls-'));
  const results = [];
  try {
    for (const system of systems) {
      if (system === 'haproxy' && !has('haproxy')) {
        console.log('haproxy: missing (apt-get install haproxy), skipped');
        continue;
      }
      const port = await freePort();
      const proc = await start(system, port, backends, dir);
      try {
        await run(port, 200); // warm-up
        const load = loadavg()[0].toFixed(2);
        const pid = trafficPid(proc.pid);
        const t0 = cpuTicks(pid);
        await run(port, N);
        const cpuUs = (((cpuTicks(pid) - t0) / HZ) * 1e6) / N;
        const calls = await strace(pid, () => run(port, N));
        const total = [...calls.values()].reduce((a, b) => a + b, 0);
        results.push({ system, load, cpuUs, total: total / N, calls });
        console.log(
          `${system}: ${(total / N).toFixed(1)} system calls/conn, ${cpuUs.toFixed(0)} µs CPU/conn (load ${load})`,
        );
      } finally {
        proc.kill('SIGTERM');
        await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
      }
    }
  } finally {
    for (const b of backends) b.close();
    rmSync(dir, { recursive: true, force: true });
  }
  // One table: every system call that any system makes at least 0.05 times per connection.
  const names = new Set(results.flatMap((r) => [...r.calls.keys()]));
  const rows = [...names]
    .map((n) => [n, results.map((r) => (r.calls.get(n) ?? 0) / N)])
    .filter(([, v]) => v.some((x) => x >= 0.05))
    .sort((a, b) => Math.max(...b[1]) - Math.max(...a[1]))
    .slice(0, Number(values.top));
  const head = ['per connection', ...results.map((r) => r.system)];
  console.log(`\n${N} connections, ${CONCURRENCY} at a time\n`);
  console.log(`| ${head.join(' | ')} |`);
  console.log(`| ${head.map((h, i) => (i ? '---:' : '---')).join(' | ')} |`);
  console.log(`| all system calls | ${results.map((r) => r.total.toFixed(1)).join(' | ')} |`);
  for (const [n, v] of rows) console.log(`| ${n} | ${v.map((x) => x.toFixed(1)).join(' | ')} |`);
  console.log(
    `| CPU per connection (µs, load ${results.map((r) => r.load).join('/')}) | ${results.map((r) => r.cpuUs.toFixed(0)).join(' | ')} |`,
  );
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
