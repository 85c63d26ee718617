// A TLS ClientHello reader for routing by server name without decrypting (RFC 8446 §4.1.2,
// RFC 5246 §7.4.1.2, RFC 6066 §3 server_name, RFC 7301 ALPN). Hand-written: no npm package parses
// a ClientHello incrementally from raw bytes, and OpenSSL only exposes it after taking over the socket.

/** Enough for any real ClientHello (post-quantum key shares make them ~2 KiB). */
export const CLIENT_HELLO_MAX_BYTES = 16 * 1024;

const RECORD_HANDSHAKE = 0x16;
const HANDSHAKE_CLIENT_HELLO = 1;
const EXT_SERVER_NAME = 0;
const EXT_ALPN = 16;
const MAX_RECORD = 16_384; // TLSPlaintext.length limit
const HOST_NAME = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/;

export type ClientHelloParse =
  | { readonly kind: 'need-more' }
  /** The bytes are not a TLS handshake at all (plain HTTP, SSH…). */
  | { readonly kind: 'not-tls'; readonly detail: string }
  /** TLS-looking bytes that break the rules, or a ClientHello larger than the limit. */
  | { readonly kind: 'invalid'; readonly detail: string }
  | {
      readonly kind: 'hello';
      /** Lower-case host name from server_name, if the client sent one. */
      readonly sni: string | undefined;
      /** Protocols offered by the client (ALPN), in its order. */
      readonly alpn: readonly string[] | undefined;
    };

const NEED_MORE: ClientHelloParse = { kind: 'need-more' };

class Malformed extends Error {}

/** Bounds-checked big-endian reads over one handshake message; any overrun is `Malformed`. */
class Reader {
  constructor(
    private readonly buf: Buffer,
    public pos: number,
    private readonly end: number,
  ) {}

  get left(): number {
    return this.end - this.pos;
  }

  uint(bytes: 1 | 2 | 3, what: string): number {
    if (this.left < bytes) throw new Malformed(`truncated ${what}`);
    const v = this.buf.readUIntBE(this.pos, bytes);
    this.pos += bytes;
    return v;
  }

  /** A length-prefixed block as its own Reader; the block must fit. */
  block(lenBytes: 1 | 2 | 3, what: string, min = 0, max = Infinity): Reader {
    const len = this.uint(lenBytes, `${what} length`);
    if (len < min || len > max) throw new Malformed(`${what} length ${len} out of range`);
    if (len > this.left) throw new Malformed(`${what} overruns its container`);
    const r = new Reader(this.buf, this.pos, this.pos + len);
    this.pos += len;
    return r;
  }

  skip(n: number, what: string): void {
    if (n > this.left) throw new Malformed(`truncated ${what}`);
    this.pos += n;
  }

  /** The rest of this block as text, one character per byte. */
  text(): string {
    return this.buf.toString('latin1', this.pos, this.end);
  }
}

/**
 * Reads a ClientHello from the first bytes of a connection. Pure and incremental: call it again
 * with more bytes after `need-more`. Never throws, and decides once `maxBytes` have arrived.
 */
export function parseClientHello(buf: Buffer, maxBytes = CLIENT_HELLO_MAX_BYTES): ClientHelloParse {
  const r = reassemble(buf, maxBytes);
  if (r.kind !== 'message') return r.kind === 'need-more' && buf.length >= maxBytes ? tooLarge(maxBytes) : r;
  try {
    return parseBody(r.message);
  } catch (e) {
    if (e instanceof Malformed) return { kind: 'invalid', detail: e.message };
    throw e;
  }
}

const tooLarge = (max: number): ClientHelloParse => ({ kind: 'invalid', detail: `ClientHello exceeds ${max} bytes` });

/** Joins the handshake records until the first handshake message is complete. */
function reassemble(buf: Buffer, maxBytes: number): ClientHelloParse | { kind: 'message'; message: Buffer } {
  const fragments: Buffer[] = [];
  let have = 0;
  let need: number | undefined; // whole handshake message: 4-byte header + body
  for (let off = 0; ;) {
    const first = off === 0;
    const bad = (detail: string): ClientHelloParse => ({ kind: first ? 'not-tls' : 'invalid', detail });
    if (buf.length > off && buf[off] !== RECORD_HANDSHAKE)
      return bad(first ? `first byte 0x${hex(buf[off]!)} is not a TLS handshake record` : 'ClientHello interrupted');
    if (buf.length > off + 1 && buf[off + 1] !== 3) return bad(`record version major ${buf[off + 1]} is not 3`);
    if (buf.length > off + 2 && buf[off + 2]! > 4) return bad(`record version minor ${buf[off + 2]} is unknown`);
    if (buf.length < off + 5) return NEED_MORE;
    const len = buf.readUInt16BE(off + 3);
    if (len === 0 || len > MAX_RECORD) return { kind: 'invalid', detail: `record length ${len}` };
    const avail = Math.min(len, buf.length - off - 5);
    fragments.push(buf.subarray(off + 5, off + 5 + avail));
    have += avail;
    // fragments[0] is not empty once have >= 1: an empty fragment can only be the last one read
    if (have >= 1 && fragments[0]![0] !== HANDSHAKE_CLIENT_HELLO)
      return { kind: 'invalid', detail: `handshake type ${fragments[0]![0]} is not ClientHello` };
    if (need === undefined && have >= 4) {
      need = 4 + Buffer.concat(fragments).readUIntBE(1, 3);
      if (need > maxBytes) return tooLarge(maxBytes);
    }
    if (need !== undefined && have >= need) {
      const all = fragments.length === 1 ? fragments[0]! : Buffer.concat(fragments);
      return { kind: 'message', message: all.subarray(0, need) };
    }
    if (avail < len) return NEED_MORE;
    off += 5 + len;
  }
}

function parseBody(msg: Buffer): ClientHelloParse {
  const r = new Reader(msg, 4, msg.length);
  r.skip(2 + 32, 'version and random');
  r.block(1, 'session id', 0, 32);
  const suites = r.block(2, 'cipher suites', 2);
  if (suites.left % 2 !== 0) throw new Malformed('odd cipher suites length');
  r.block(1, 'compression methods', 1);
  let sni: string | undefined;
  let alpn: string[] | undefined;
  if (r.left > 0) {
    const exts = r.block(2, 'extensions');
    if (r.left !== 0) throw new Malformed('bytes after extensions');
    const seen = new Set<number>();
    while (exts.left > 0) {
      const type = exts.uint(2, 'extension type');
      const data = exts.block(2, `extension ${type}`);
      if (seen.has(type)) throw new Malformed(`extension ${type} repeated`);
      seen.add(type);
      if (type === EXT_SERVER_NAME) sni = serverName(data);
      else if (type === EXT_ALPN) alpn = protocols(data);
    }
  } else if (r.left !== 0) {
    throw new Malformed('bytes after compression methods');
  }
  return { kind: 'hello', sni, alpn };
}

function serverName(data: Reader): string | undefined {
  // A server_name extension may be empty in a ServerHello only; from a client it carries a list.
  const list = data.block(2, 'server name list', 1);
  if (data.left !== 0) throw new Malformed('bytes after server name list');
  let host: string | undefined;
  while (list.left > 0) {
    const nameType = list.uint(1, 'server name type');
    const name = list.block(2, 'server name', 1);
    if (nameType !== 0) continue; // unknown name types are skipped (RFC 6066 §3)
    if (host !== undefined) throw new Malformed('more than one host_name');
    host = name.text().toLowerCase();
    if (host.endsWith('.')) host = host.slice(0, -1);
    if (host.length > 253 || !HOST_NAME.test(host)) throw new Malformed('server name is not a host name');
  }
  return host;
}

function protocols(data: Reader): string[] {
  const list = data.block(2, 'ALPN list', 2);
  if (data.left !== 0) throw new Malformed('bytes after ALPN list');
  const out: string[] = [];
  while (list.left > 0) out.push(list.block(1, 'ALPN protocol', 1).text());
  return out;
}

const hex = (b: number): string => b.toString(16).padStart(2, '0');
