// Builds synthetic ClientHello bytes for tests: a handshake message, then cut into TLS records.

const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
const vec16 = (b: Buffer): Buffer => Buffer.concat([u16(b.length), b]);
const vec8 = (b: Buffer): Buffer => Buffer.concat([Buffer.from([b.length]), b]);
const ext = (type: number, data: Buffer): Buffer => Buffer.concat([u16(type), vec16(data)]);

export interface HelloSpec {
  readonly sni?: string | undefined;
  readonly alpn?: readonly string[] | undefined;
  /** Raw extensions appended after SNI and ALPN. */
  readonly extra?: readonly Buffer[];
}

export const sniExtension = (name: string): Buffer =>
  ext(0, vec16(Buffer.concat([Buffer.from([0]), vec16(Buffer.from(name, 'latin1'))])));

export const alpnExtension = (protocols: readonly string[]): Buffer =>
  ext(16, vec16(Buffer.concat(protocols.map((p) => vec8(Buffer.from(p, 'latin1'))))));

/** A ClientHello handshake message (4-byte header included). */
export function clientHelloMessage(spec: HelloSpec): Buffer {
  const exts = [
    ...(spec.sni !== undefined ? [sniExtension(spec.sni)] : []),
    ...(spec.alpn !== undefined ? [alpnExtension(spec.alpn)] : []),
    ...(spec.extra ?? []),
  ];
  const body = Buffer.concat([
    u16(0x0303),
    Buffer.alloc(32, 7), // random
    vec8(Buffer.alloc(32, 1)), // session id
    vec16(Buffer.from([0x13, 0x01, 0x13, 0x02])), // two cipher suites
    vec8(Buffer.from([0])), // null compression
    vec16(Buffer.concat(exts)),
  ]);
  return Buffer.concat([Buffer.from([1, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]), body]);
}

/** Wraps a handshake message in records of the given fragment sizes (the last one takes the rest). */
export function inRecords(msg: Buffer, sizes: readonly number[] = []): Buffer {
  const out: Buffer[] = [];
  let off = 0;
  for (const size of [...sizes, msg.length]) {
    if (off >= msg.length) break;
    const frag = msg.subarray(off, Math.min(msg.length, off + Math.max(1, size)));
    out.push(Buffer.from([0x16, 3, 1]), u16(frag.length), frag);
    off += frag.length;
  }
  return Buffer.concat(out);
}

/** The handshake message inside single- or multi-record bytes (the inverse of inRecords). */
export function messageOf(records: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let off = 0; off + 5 <= records.length; off += 5 + records.readUInt16BE(off + 3))
    parts.push(records.subarray(off + 5, off + 5 + records.readUInt16BE(off + 3)));
  return Buffer.concat(parts);
}
