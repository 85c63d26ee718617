import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

// The hot path, hand-written rather than `pipe()`: pipe() builds about ten closures and listener
// entries per direction per connection and tears them down again, which showed up in profiles of
// short connections. Here every connection shares the same handler functions; each socket
// carries a reference to its peer and to whoever wants to hear about its end.

const kPeer = Symbol('relayPeer');
const kSink = Symbol('relaySink');

/** Told when a side sends its FIN (in relay order), so the owner can record who ended first. */
export interface RelaySink {
  onRelayEnd(side: Socket): void;
}

interface RelaySocket extends Socket {
  [kPeer]?: Socket;
  [kSink]?: RelaySink;
}

function onData(this: RelaySocket, chunk: Buffer): void {
  const peer = this[kPeer]!;
  // Backpressure: stop reading until the peer's socket buffer drains below its highWaterMark.
  if (!peer.write(chunk)) this.pause();
}

function onDrain(this: RelaySocket): void {
  const peer = this[kPeer]!;
  if (!peer.destroyed) peer.resume();
}

function onEnd(this: RelaySocket): void {
  this[kSink]!.onRelayEnd(this);
  // Half-close: pass the FIN on once everything before it is written; the other way stays open.
  const peer = this[kPeer]!;
  if (!peer.destroyed && !peer.writableEnded) peer.end();
}

function wire(from: RelaySocket, to: Socket, sink: RelaySink, read: boolean): void {
  from[kPeer] = to;
  from[kSink] = sink;
  from.on('drain', onDrain);
  if (!read) return;
  // Its FIN came while nobody listened (after an inspector stopped reading): pass it on now.
  if (from.readableEnded) return onEnd.call(from);
  from.on('end', onEnd);
  from.on('data', onData);
  // Flowing mode (bytes buffered before now come first), also after an inspector's pause().
  from.resume();
}

/**
 * Relays bytes both ways between `a` and `b` with backpressure and half-close. `aEnded`: `a`
 * already sent its FIN (its end is passed on at once, nothing is read from it).
 */
export function relay(a: Socket, b: Socket, sink: RelaySink, aEnded: boolean): void {
  wire(a, b, sink, !aEnded);
  wire(b, a, sink, true);
  if (aEnded && !b.writableEnded) b.end();
}

/**
 * Stops relaying from `a` (its peer failed before a byte went either way and is replaced): `a`
 * is paused, keeps what it read since, and can be relayed again.
 */
export function unrelay(a: Socket): void {
  const s = a as RelaySocket;
  s.off('data', onData);
  s.off('end', onEnd);
  s.off('drain', onDrain);
  s.pause();
  s[kPeer] = undefined;
  s[kSink] = undefined;
}

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** A socket failed: end its peer the same way (a reset is passed on as a reset). True for a reset. */
export function passFailure(e: NodeJS.ErrnoException, peer: Socket | undefined): boolean {
  const reset = RESET_CODES.has(e.code ?? '');
  if (peer && !peer.destroyed) {
    // A TLS socket cannot send a reset (resetAndDestroy throws on it): it closes.
    if (reset && !(peer instanceof TLSSocket)) peer.resetAndDestroy();
    else peer.destroy();
  }
  return reset;
}

function destroySelf(this: Socket): void {
  this.destroy();
}

/** Ends a socket once its pending writes are out; used when its peer side is gone for good. */
export function closeAfterFlush(sock: Socket): void {
  if (sock.destroyed) return;
  if (sock.writableFinished) {
    sock.destroy();
    return;
  }
  sock.once('finish', destroySelf);
  if (!sock.writableEnded) sock.end();
}
