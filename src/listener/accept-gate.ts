import { closeSync } from 'node:fs';
import type { Server } from 'node:net';
import type { AddonLoad } from '../proxy/native-addon.js';
import { errnoName } from '../proxy/native-relay.js';
import { detachClusterClose, listenHandleOn, serverFd } from '../proxy/node-internals.js';

// Stopping and starting accept() on a listening socket without closing it, as HAProxy does when
// its descriptors run out: the kernel keeps completing handshakes into the socket's backlog and
// the clients wait there, instead of being accepted and reset.
//
// Node has no "pause accepting": `server.maxConnections` accepts and closes (a reset), and so does
// libuv when accept() fails with EMFILE. So the listener keeps a duplicate of its listening
// descriptor (dup(2), in the native addon): stopping closes Node's handle, which closes only
// Node's descriptor (the socket stays listening through the duplicate, its backlog intact);
// starting again listens on a new duplicate with the same net.Server (same handlers, same count
// of connections). The duplicate is closed when the listener stops for good.

/** dup(2) and close(2) on descriptors (the native addon's dupFd, fs.closeSync). */
export interface DescriptorOps {
  /** A duplicate (close-on-exec), or -errno. */
  dup(fd: number): number;
  close(fd: number): void;
}

/** Node's and libuv's default is 511; Linux caps it at net.core.somaxconn (4096 since 5.4). */
export const LISTEN_BACKLOG = 4096;

/** Stops and starts accepting on one listening socket, the socket staying open. */
export interface Gate {
  /** It can stop accepting (else the listener accepts and closes beyond its limits). */
  readonly armed: boolean;
  /** Stops accepting; clients queue in the backlog. No accept() follows this call. */
  pause(): void;
  /** Accepts again; returns the error when it cannot yet (it stays paused). */
  resume(): Error | undefined;
  /** The listener stops for good. */
  close(): void;
}

export class AcceptGate implements Gate {
  /** Our duplicate of the listening descriptor (-1: none, the gate cannot close). */
  #kept = -1;
  #paused = false;
  /** A cluster worker: tells the primary this worker left the socket (detachClusterClose). */
  #leaveCluster: (() => void) | undefined;

  constructor(
    private readonly server: Server,
    private readonly ops: DescriptorOps | undefined,
  ) {}

  /** After the server listens: keeps the duplicate. Returns why the gate cannot close, if it cannot. */
  arm(): string | undefined {
    if (!this.ops) return 'the native addon is not loaded (it has dup(2))';
    const fd = serverFd(this.server);
    if (fd < 0) return 'no listening descriptor in this process (cluster round-robin: the primary accepts)';
    const d = this.ops.dup(fd);
    if (d < 0) return `dup failed: ${errnoName(-d)}`;
    this.#kept = d;
    return undefined;
  }

  get armed(): boolean {
    return this.#kept >= 0;
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Stops accepting; clients queue in the backlog. Synchronous: no accept() follows this call. */
  pause(): void {
    if (this.#paused || this.#kept < 0) return;
    this.#leaveCluster ??= detachClusterClose(this.server);
    this.#paused = true;
    this.server.close();
  }

  /** Accepts again; returns the error when a descriptor for it could not be had (it stays paused). */
  resume(): Error | undefined {
    if (!this.#paused) return undefined;
    const d = this.ops!.dup(this.#kept);
    if (d < 0) return new Error(`dup: ${errnoName(-d)}`);
    let handle: object;
    try {
      handle = listenHandleOn(d);
    } catch (e) {
      this.ops!.close(d);
      return e instanceof Error ? e : new Error(String(e));
    }
    this.#paused = false;
    this.server.listen(handle, LISTEN_BACKLOG);
    return undefined;
  }

  /** The listener stops for good: the duplicate goes (and a cluster primary is told). */
  close(): void {
    if (this.#kept >= 0) this.ops?.close(this.#kept);
    this.#kept = -1;
    this.#paused = false;
    this.#leaveCluster?.();
    this.#leaveCluster = undefined;
  }
}

/** dup/close through the native addon, or undefined when it is not built (or older than dupFd). */
export function addonDescriptorOps(load: () => AddonLoad): DescriptorOps | undefined {
  const addon = load().addon;
  if (!addon?.dupFd) return undefined;
  return {
    dup: (fd) => addon.dupFd?.(fd) ?? -1,
    close: (fd) => {
      try {
        closeSync(fd);
      } catch {
        // already closed: nothing holds it
      }
    },
  };
}
