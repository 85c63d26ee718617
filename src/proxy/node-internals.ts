import type { Server, Socket } from 'node:net';

// Every use of Node.js internals (undocumented properties of net.Socket and net.Server) is in this
// file, and test/integration/node-internals.test.ts exercises each of them on real sockets, on
// every Node version the project supports (Node 20, 22, 24: .ci/run), so that a change in Node
// breaks a test, not production. Nothing public gives these: Node has no API to hand a connected
// socket's descriptor to native code while keeping the Socket object, nor to stop it reading.

/** libuv's stream handle as Node keeps it on `socket._handle` (not in @types/node). */
interface StreamHandle {
  fd?: number;
  reading?: boolean;
  readStop?(): number;
  setNoDelay?(enable: boolean): number;
  setKeepAlive?(enable: boolean, delaySeconds: number): number;
}
interface HandleSocket extends Socket {
  _handle?: StreamHandle | null;
  _read(size: number): void;
}

const handleOf = (o: Socket | Server): StreamHandle | undefined =>
  (o as unknown as { _handle?: StreamHandle | null })._handle ?? undefined;

/** The descriptor under a connected socket (`_handle.fd`), or -1 (no handle, or not a plain TCP socket). */
export function socketFd(s: Socket): number {
  const fd = handleOf(s)?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : -1;
}

/** Replaces `_read` while native code owns a socket, so that nothing makes Node read it again. */
function noRead(): void {
  // Readable stays in its 'reading' state: no further _read call, no read from the descriptor.
}

/** Node stops reading the socket's descriptor (`_handle.readStop()`) and does not restart (`_read`). */
export function stopReading(s: Socket): void {
  const hs = s as HandleSocket;
  hs._read = noRead;
  const h = hs._handle;
  if (h?.reading) {
    h.reading = false;
    h.readStop?.();
  }
}

/** Undoes stopReading(): Node reads again; `buffered` (taken by read()) goes back in front. */
export function resumeReading(s: Socket, buffered: Buffer | null): void {
  Reflect.deleteProperty(s, '_read'); // the prototype's again
  const state = (s as unknown as { _readableState?: { reading?: boolean } })._readableState;
  if (state) state.reading = false; // noRead left it 'reading': without this Node never calls _read again
  if (buffered) s.unshift(buffered);
  if (!s.isPaused()) s.read(0); // restart the flow (calls _read, which starts the handle reading)
}

/** TCP_NODELAY on a listening socket, through its libuv handle (`server._handle`): Linux copies it into every accepted socket. */
export function setListenerNoDelay(server: Server): boolean {
  const h = handleOf(server);
  return h?.setNoDelay !== undefined && h.setNoDelay(true) === 0;
}

/** Keep-alive (on or off, idle seconds) on a listening socket, through `server._handle`, inherited likewise. */
export function setListenerKeepAlive(server: Server, enable: boolean, idleSeconds: number): boolean {
  const h = handleOf(server);
  return h?.setKeepAlive !== undefined && h.setKeepAlive(enable, idleSeconds) === 0;
}

/** The listening descriptor under a server (`server._handle.fd`), or -1: not listening, or a cluster round-robin worker (its handle is a stand-in; the primary accepts). */
export function serverFd(server: Server): number {
  const fd = handleOf(server)?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : -1;
}

interface TcpWrapBinding {
  TCP: new (type: number) => { open(fd: number): number; close(): void };
  constants: { SERVER: number };
}

/**
 * A libuv TCP server handle on a descriptor that is already a listening socket, for
 * `server.listen(handle)`. `listen({ fd })` would do in a plain process, but a node:cluster worker
 * sends it to the primary, where that number means nothing; a handle is listened on in place.
 * Throws with the errno when the descriptor is not a socket.
 */
export function listenHandleOn(fd: number): object {
  const binding = (process as unknown as { binding(n: string): unknown }).binding('tcp_wrap') as TcpWrapBinding;
  const h = new binding.TCP(binding.constants.SERVER);
  const err = h.open(fd);
  if (err !== 0) {
    h.close();
    throw Object.assign(new Error(`cannot listen on descriptor ${fd} (${err})`), { errno: err });
  }
  return h;
}

/**
 * In a node:cluster worker (SCHED_NONE), Node replaces the shared handle's close() by one that
 * also tells the primary this worker left the socket; the primary closes its own copy once no
 * worker uses it (and the next worker to listen would bind anew). Puts the plain close() back, so
 * that closing the handle to stop accepting for a while leaves the primary's copy alone; returns
 * the replaced close, to call once the listener stops for good. Undefined outside a cluster.
 */
export function detachClusterClose(server: Server): (() => void) | undefined {
  const h = (server as unknown as { _handle?: Record<string, unknown> | null })._handle;
  if (!h || !Object.prototype.hasOwnProperty.call(h, 'close') || typeof h.close !== 'function') return undefined;
  const toldPrimary = h.close as () => void;
  Reflect.deleteProperty(h, 'close');
  // On a handle already closed, the native close does nothing: only the primary is told.
  return () => toldPrimary.call(h);
}
