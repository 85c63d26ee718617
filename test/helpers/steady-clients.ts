import { connect } from 'node:net';

/**
 * A steady stream of new connections: one after another (a few at once), each sends a line and
 * waits for it to come back through an echo backend. Every one is counted: ok or failed (why).
 */
export function steadyClients(
  port: number,
  parallel = 3,
): { ok: () => number; failures: () => string[]; stop: () => Promise<void> } {
  let ok = 0;
  const failures: string[] = [];
  let running = true;
  const one = (i: number): Promise<void> =>
    new Promise((resolve) => {
      const msg = `hello ${i}\n`;
      let got = '';
      const s = connect({ port, host: '127.0.0.1' });
      const timer = setTimeout(() => done(`no echo within 15 s (${got.length} bytes)`), 15_000);
      let settled = false;
      const done = (failure?: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (failure === undefined) ok++;
        else failures.push(`#${i}: ${failure}`);
        s.destroy();
        resolve();
      };
      s.setEncoding('utf8');
      s.on('connect', () => s.write(msg));
      s.on('data', (d: string) => {
        got += d;
        if (got === msg) done();
      });
      s.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
      s.on('close', () => done(`closed after ${got.length} bytes`));
    });
  let n = 0;
  const loops = Array.from({ length: parallel }, async () => {
    while (running) {
      await one(n++);
      await new Promise((r) => setTimeout(r, 5));
    }
  });
  return {
    ok: () => ok,
    failures: () => failures,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}
