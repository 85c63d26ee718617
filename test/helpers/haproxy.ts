import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from '../../src/bench/ports.js';
import { ProcessSet } from '../../src/bench/procs.js';

export interface RunningHaproxy {
  /** What HAProxy printed so far (its `log stdout` lines and its warnings). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Runs `haproxy -db` on `sections` (frontends, listens, backends) with a `global` and `defaults`
 * for TCP mode and logs on stdout; resolves once it listens (on a port of its own that rejects
 * every connection, so that waiting disturbs none of the test's frontends).
 */
export async function startHaproxy(sections: string): Promise<RunningHaproxy> {
  const ready = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'lb-haproxy-'));
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    `global
  log stdout format raw local0
defaults
  mode tcp
  log global
  timeout connect 5s
  timeout client 20s
  timeout server 20s
frontend ready
  bind 127.0.0.1:${ready}
  tcp-request connection reject
${sections}
`,
  );
  const procs = new ProcessSet();
  const proc = procs.start('haproxy', 'haproxy', ['-f', cfg, '-db']);
  const stop = async (): Promise<void> => {
    await procs.stopAll();
    procs.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(ready, proc, 15_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return { output: () => proc.stdout() + proc.stderr(), stop };
}
