// CRC-32C (Castagnoli, RFC 4960 appendix B), for the PROXY v2 CRC32C TLV. Hand-written: the
// npm candidates are a pure-JS package whose vendor stopped publishing to npm in 2022 (crc-32),
// one that drags in AWS SDK types (@aws-crypto/crc32c), or native addons needing a compiler
// (fast-crc32c); this is a 256-entry table and a loop, checked against RFC 3720's vectors and
// against headers HAProxy sends. Headers are small, so speed is no concern here.

const POLY = 0x82f63b78; // reflected 0x1EDC6F41

function makeTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

const TABLE = makeTable(); // a constant, computed once

/** CRC-32C of `data`, as an unsigned 32-bit number. */
export function crc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
