import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** A long-lived connection through an echo backend that keeps bytes flowing both ways. */
export interface EchoStream {
  readonly sock: Socket;
  /** Bytes sent and received so far. */
  sent(): number;
  received(): number;
  /** Set when the connection ended or failed before finish() was called. */
  broken(): string | undefined;
  /**
   * Stops sending, waits for every byte to come back, ends the connection, and answers the
   * SHA-256 of all bytes sent and of all bytes received.
   */
  finish(timeoutMs?: number): Promise<{ sent: string; received: string; bytes: number }>;
}

const CHUNK = 16 * 1024;
/** At most this many bytes on their way (sent, not yet back): bounded, and never a stall. */
const IN_FLIGHT = 256 * 1024;

/**
 * Connects to `port` (through the balancer) and streams random chunks, paced by the echo: a new
 * chunk leaves whenever fewer than IN_FLIGHT bytes are on their way, so bytes keep flowing in both
 * directions for as long as the stream lives, at a rate the shared machine can bear.
 */
export function echoStream(port: number, host = '127.0.0.1'): Promise<EchoStream> {
  return new Promise((resolve, reject) => {
    const sock = connect({ port, host, allowHalfOpen: true });
    const sentHash = createHash('sha256');
    const gotHash = createHash('sha256');
    let sent = 0;
    let got = 0;
    let sending = true;
    let broken: string | undefined;
    let onProgress: (() => void) | undefined;
    const pump = (): void => {
      while (sending && sent - got < IN_FLIGHT) {
        const chunk = randomBytes(CHUNK);
        sentHash.update(chunk);
        sent += chunk.length;
        if (!sock.write(chunk)) {
          sock.once('drain', pump);
          return;
        }
      }
    };
    sock.on('data', (c: Buffer) => {
      gotHash.update(c);
      got += c.length;
      onProgress?.();
      pump();
    });
    const fail = (why: string): void => {
      broken ??= why;
      onProgress?.();
    };
    sock.on('end', () => fail(`ended by the other side after ${got} of ${sent} bytes`));
    sock.on('error', (e) => {
      fail(e.message);
      reject(e);
    });
    sock.once('connect', () => {
      pump();
      resolve({
        sock,
        sent: () => sent,
        received: () => got,
        broken: () => broken,
        finish: (timeoutMs = 10_000) =>
          new Promise((done, failed) => {
            sending = false;
            const timer = setTimeout(
              () => failed(new Error(`echo stream: ${got} of ${sent} bytes back after ${timeoutMs}ms`)),
              timeoutMs,
            );
            onProgress = () => {
              if (broken !== undefined && got < sent) {
                clearTimeout(timer);
                failed(new Error(`echo stream broken: ${broken}`));
                return;
              }
              if (got < sent) return;
              clearTimeout(timer);
              onProgress = undefined;
              sock.removeAllListeners('end');
              sock.once('close', () =>
                done({ sent: sentHash.digest('hex'), received: gotHash.digest('hex'), bytes: got }),
              );
              sock.on('end', () => sock.end());
              sock.end();
            };
            onProgress();
          }),
      });
    });
  });
}
