#!/usr/bin/env node
// Builds the native relay (native/relay.cc -> native/build/relay.node) with the C++ compiler
// directly: no node-gyp, so no download of Node's headers. Node-API headers come from the npm
// package node-api-headers (or /usr/include/node). Run at install and before every build; it
// rebuilds only when the source is newer than the addon.
//
// It never fails the install: when it cannot build (no compiler, no headers, a compile error) it
// prints one WARNING line on stderr, records why in native/build/build-status.json (the balancer
// shows it in its start log and GET /api/status) and exits 0; the load balancer then relays in
// JavaScript (the `relay: auto` default). `--force` rebuilds anyway.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'native', 'relay.cc');
// Compiled with relay.cc into the same addon: the UDP fast path (issue 13).
const sources = [src, join(root, 'native', 'udp-reply.cc'), join(root, 'native', 'udp-receive.cc')];
// Not compiled on their own, but a change to them rebuilds.
const headers = ['napi-common.h', 'udp-engine.h'].map((f) => join(root, 'native', f));
const out = join(root, 'native', 'build', 'relay.node');
const statusFile = join(root, 'native', 'build', 'build-status.json');
const say = (msg) => console.log(`build-native: ${msg}`);
const record = (ok, message) => {
  try {
    mkdirSync(dirname(statusFile), { recursive: true });
    writeFileSync(statusFile, `${JSON.stringify({ ok, message, at: new Date().toISOString() })}\n`);
  } catch {
    // read-only install directory: the warning below still says it
  }
};
// Could not build: loud, on stderr, and the install goes on.
const warn = (why) => {
  record(false, why);
  console.error(
    `build-native: WARNING: the native relay was NOT built (${why}); the load balancer will relay in ` +
      'JavaScript (slower: docs/benchmarks.md). Fix it, then run `npm run build:native`.',
  );
};

function includeDir() {
  try {
    const dir = createRequire(import.meta.url)('node-api-headers').include_dir;
    if (existsSync(join(dir, 'node_api.h'))) return dir;
  } catch {
    // not installed (production install without it): try the system headers
  }
  return existsSync('/usr/include/node/node_api.h') ? '/usr/include/node' : undefined;
}

function compiler() {
  for (const cxx of [process.env.CXX, 'g++', 'c++', 'clang++'].filter(Boolean)) {
    try {
      execFileSync(cxx, ['--version'], { stdio: 'ignore' });
      return cxx;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

function main() {
  if (process.platform !== 'linux') return say(`skipped (${process.platform}: epoll is Linux-only); relay: js`);
  if (!existsSync(src)) return say('skipped (no native/relay.cc)');
  const force = process.argv.includes('--force');
  const newest = Math.max(...[...sources, ...headers].filter((f) => existsSync(f)).map((f) => statSync(f).mtimeMs));
  if (!force && existsSync(out) && statSync(out).mtimeMs >= newest) return;
  const inc = includeDir();
  if (!inc) return warn('no Node-API headers: npm package node-api-headers');
  const cxx = compiler();
  if (!cxx) return warn('no C++ compiler: apt-get install g++');
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const args = ['-std=c++17', '-O2', '-fPIC', '-shared', '-pthread', '-fvisibility=hidden', '-Wall', '-Wextra'];
  args.push('-DNODE_GYP_MODULE_NAME=relay', '-I', inc, ...sources.filter((f) => existsSync(f)), '-o', tmp);
  try {
    execFileSync(cxx, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    renameSync(tmp, out); // atomic: a running process never sees half a file
    record(true, `built with ${cxx}`);
    say(`built ${out.slice(root.length + 1)} with ${cxx}`);
  } catch (e) {
    rmSync(tmp, { force: true });
    const first =
      String(e.stderr ?? e.message)
        .split('\n')
        .find((l) => l.trim()) ?? 'unknown error';
    warn(`${cxx} failed: ${first.trim()}`);
  }
}

try {
  main();
} catch (e) {
  warn(e instanceof Error ? e.message : String(e));
}
