import type { Config } from '../config/schema.js';

// The listening sockets a program generation uses, named so that the next generation asks for the
// same ones: the supervisor holds them across generations (src/supervisor/supervisor.ts).

export type SocketKind = 'tcp' | 'udp';

export interface SocketSpec {
  readonly kind: SocketKind;
  /** The listener's name (`@admin` for the admin API): two listeners may share a port 0 address. */
  readonly name: string;
  readonly host: string;
  /** As configured: 0 asks for any port once, and every later generation gets that same socket. */
  readonly port: number;
}

export const socketKey = (s: SocketSpec): string => `${s.kind}/${s.name}/${s.host}/${s.port}`;

export const ADMIN_SOCKET_NAME = '@admin';

export const adminSocketSpec = (bind: { readonly host: string; readonly port: number }): SocketSpec => ({
  kind: 'tcp',
  name: ADMIN_SOCKET_NAME,
  host: bind.host,
  port: bind.port,
});

/** The sockets of the listeners (TCP and UDP) a config names: what a generation serving it needs. */
export const listenerSocketSpecs = (c: Config | undefined): SocketSpec[] =>
  Object.entries(c?.listeners ?? {}).map(([name, l]): SocketSpec => ({
    kind: l.protocol === 'udp' ? 'udp' : 'tcp',
    name,
    host: l.bind.host,
    port: l.bind.port,
  }));

/**
 * Where a listener gets its listening socket from when a supervisor holds them: a handle for
 * `server.listen(handle)` (TCP) or a descriptor for `socket.bind({ fd })` (UDP). Rejects with
 * the bind error (EADDRINUSE, EACCES…).
 */
export interface SocketSource {
  acquire(spec: SocketSpec): Promise<InheritedSocket>;
  /**
   * Every socket this generation still needs, after a reload (applied or not): the supervisor
   * closes its copy of the others at once, so that a listener a reload removed or moved refuses
   * connections instead of queueing them in a backlog nobody accepts from. Resolves once done.
   */
  keep(specs: readonly SocketSpec[]): Promise<void>;
}

export interface InheritedSocket {
  /** The raw libuv handle, for `net.Server#listen(handle)`. */
  readonly handle: object;
  readonly fd: number;
}
