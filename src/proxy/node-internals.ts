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
