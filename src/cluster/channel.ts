// The IPC endpoint of either side: a worker's `process`, or the primary's handle on a worker
// (cluster.Worker and ChildProcess both fit). Narrow, so that tests can pass a fake.
export interface Channel {
  send(message: unknown, callback: (error: Error | null) => void): boolean;
  /** `handle`: a listening socket passed with the message (src/cluster/primary-sockets.ts). */
  on(event: 'message', listener: (message: unknown, handle?: unknown) => void): unknown;
}

/**
 * Sends without ever throwing or emitting an unhandled 'error': a message to a process that is
 * going away is lost, which the protocol allows (a restarted worker is sent the latest snapshot).
 */
export function sendTo(channel: Channel, message: unknown, onError?: (e: Error) => void): void {
  try {
    channel.send(message, (e) => {
      if (e) onError?.(e);
    });
  } catch (e) {
    onError?.(e instanceof Error ? e : new Error(String(e)));
  }
}
