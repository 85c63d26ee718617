import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';

/**
 * An address that never answers a connect: a listening socket with a full accept queue that is
 * never accepted from, so further SYNs are dropped. Node always accepts, so this uses python3's
 * socket module (python3 is on every machine of this project's kind).
 */
export interface Blackhole {
  readonly port: number;
  close(): void;
}

export function hasPython(): boolean {
  return spawnSync('python3', ['-c', 'pass']).status === 0;
}

const SCRIPT = `
import socket, time
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(0)
print(s.getsockname()[1], flush=True)
time.sleep(120)
`;

export async function blackhole(): Promise<Blackhole> {
  const proc: ChildProcess = spawn('python3', ['-c', SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    proc.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    proc.once('error', reject);
  });
  // fill the accept queue so the next SYNs are dropped
  const fillers: Socket[] = [];
  for (let i = 0; i < 3; i++) {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    fillers.push(s);
  }
  await new Promise((r) => setTimeout(r, 100));
  return {
    port,
    close: () => {
      for (const s of fillers) s.destroy();
      proc.kill('SIGKILL');
    },
  };
}
