import { isIP, type Server, type ServerOpts } from 'node:net';
import { normalizeIp } from '../core/address.js';
import { setListenerKeepAlive, setListenerNoDelay } from '../proxy/node-internals.js';

/**
 * TCP_NODELAY and keep-alive for every accepted socket. On Linux they are set once on the listening
 * socket: the kernel copies them (SO_KEEPALIVE, TCP_NODELAY, TCP_KEEPIDLE/INTVL/CNT) into each
 * socket it accepts, which saves the five setsockopt calls per connection that Node makes when they
 * are server options. Elsewhere (or if Node's handle lacks the methods) they stay server options.
 */
export function acceptedSocketOptions(keepAliveMs: number): ServerOpts {
  if (process.platform === 'linux') return {};
  return { noDelay: true, keepAlive: keepAliveMs > 0, keepAliveInitialDelay: keepAliveMs };
}

/** After listen(): sets on the listening socket what acceptedSocketOptions() left out; false if it could not. */
export function setInheritedOptions(server: Server, keepAliveMs: number): boolean {
  if (process.platform !== 'linux') return true;
  // Same calls (and libuv defaults for interval and count) as Node makes on each accepted socket.
  if (!setListenerNoDelay(server)) return false;
  return keepAliveMs === 0 || setInheritedKeepAlive(server, keepAliveMs);
}

/** A new keep-alive for the sockets accepted from now on (a reload changed `keepAlive`); false if it could not. */
export function setInheritedKeepAlive(server: Server, keepAliveMs: number): boolean {
  if (process.platform !== 'linux') return true;
  return setListenerKeepAlive(server, keepAliveMs > 0, Math.floor(keepAliveMs / 1000));
}

/**
 * The local address every accepted socket has when the listener is bound to one address (not a
 * wildcard): known without a getsockname call per connection.
 */
export function fixedLocalAddress(server: Server): { readonly ip: string; readonly port: number } | undefined {
  const a = server.address();
  if (!a || typeof a !== 'object') return undefined;
  if (isIP(a.address) === 0 || a.address === '0.0.0.0' || a.address === '::') return undefined;
  return { ip: normalizeIp(a.address), port: a.port };
}
