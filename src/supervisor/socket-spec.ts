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

/**
 * Where a listener gets its listening socket from when a supervisor holds them: a handle for
 * `server.listen(handle)` (TCP) or a descriptor for `socket.bind({ fd })` (UDP). Rejects with
 * the bind error (EADDRINUSE, EACCES…).
 */
export interface SocketSource {
  acquire(spec: SocketSpec): Promise<InheritedSocket>;
  /** The listener is gone for good (a reload removed or moved it): the supervisor closes its copy. */
  release(spec: SocketSpec): void;
}

export interface InheritedSocket {
  /** The raw libuv handle, for `net.Server#listen(handle)`. */
  readonly handle: object;
  readonly fd: number;
}
