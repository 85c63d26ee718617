#!/usr/bin/env node
// The backends of the dashboard bench: `sink.js N` listens on N ports of 127.0.0.1 in one process,
// echoes and holds every connection, and prints its ports as one JSON line. A process of its own:
// 10,000 held connections need descriptors the bench process uses for the clients.
import { createServer, type Server } from 'node:net';

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? '0');
  const servers: Server[] = [];
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = createServer((c) => {
      c.on('error', () => undefined);
      c.pipe(c);
    });
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const a = s.address();
    if (a && typeof a === 'object') ports.push(a.port);
    servers.push(s);
  }
  process.stdout.write(`${JSON.stringify({ ports })}\n`);
  process.once('SIGTERM', () => process.exit(0));
}

void main();
