// CRC-32C (Castagnoli, reflected polynomial 0x82f63b78), slicing-by-16 over one flat table.
// Written here rather than taken from a package: the WAL and snapshot files need it on the
// hot path and the project has no runtime dependencies. `update` follows the usual
// convention (as Go's crc32.Update): the value passed in and returned is the finished CRC,
// so CRCs can be chained record after record.

const POLY = 0x82f63b78;

/** 16 tables of 256 entries: T[k * 256 + b]. */
const T = new Int32Array(16 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = T[n]!;
  for (let k = 1; k < 16; k++) {
    c = T[c & 0xff]! ^ (c >>> 8);
    T[k * 256 + n] = c;
  }
}

// 32-bit loads through an Int32Array over the whole ArrayBuffer (aligned words; the fastest
// way to read memory in V8), cached for the last buffer: callers checksum many records of
// one buffer in a row. Only on little-endian hosts; elsewhere the bytewise loop does it all.
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
let wordsOf: ArrayBufferLike | null = null;
let words: Int32Array = new Int32Array(0);

/**
 * One 32-bit word of a 16-byte block: its byte i (low first) looked up in table k + 3 - i,
 * where base = k * 256. Small enough that V8 inlines it, with `base` a constant.
 */
function word(w: number, base: number): number {
  return (
    T[base + 768 + (w & 0xff)]! ^
    T[base + 512 + ((w >>> 8) & 0xff)]! ^
    T[base + 256 + ((w >>> 16) & 0xff)]! ^
    T[base + (w >>> 24)]!
  );
}

/** Continues `crc` (a finished CRC-32C, 0 to start) over buf[start, end). */
export function crc32cUpdate(crc: number, buf: Uint8Array, start = 0, end = buf.length): number {
  let c = ~crc;
  let i = start;
  if (end - start >= 32 && LITTLE_ENDIAN) {
    // Bytewise up to a 4-byte aligned address.
    const base = buf.byteOffset;
    while (((base + i) & 3) !== 0) {
      c = T[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
      i++;
    }
    if (wordsOf !== buf.buffer) {
      words = new Int32Array(buf.buffer, 0, buf.buffer.byteLength >> 2);
      wordsOf = buf.buffer;
    }
    const w = words;
    let j = (base + i) >> 2;
    const stop = ((base + end) >> 2) - 4;
    // Slicing-by-16.
    while (j <= stop) {
      const a = c ^ w[j]!;
      const b = w[j + 1]!;
      const d = w[j + 2]!;
      const e = w[j + 3]!;
      c = word(a, 3072) ^ word(b, 2048) ^ word(d, 1024) ^ word(e, 0);
      j += 4;
    }
    i = (j << 2) - base;
  }
  while (i < end) {
    c = T[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
    i++;
  }
  return ~c >>> 0;
}

/** CRC-32C of buf[start, end). */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  return crc32cUpdate(0, buf, start, end);
}

/** mat × vec over GF(2): the xor of the columns picked by vec's bits. */
function gf2Times(mat: Uint32Array, vec: number): number {
  let sum = 0;
  for (let i = 0; vec !== 0; i++, vec >>>= 1) if (vec & 1) sum ^= mat[i]!;
  return sum >>> 0;
}

function gf2Square(square: Uint32Array, mat: Uint32Array): void {
  for (let n = 0; n < 32; n++) square[n] = gf2Times(mat, mat[n]!);
}

/**
 * The CRC-32C of A ++ B from crc(A), crc(B) and B's length (zlib's crc32_combine, by
 * squaring the "one zero bit" operator): lets a writer checksum bytes it streamed before
 * the bytes that precede them were known.
 */
export function crc32cCombine(crcA: number, crcB: number, lenB: number): number {
  if (lenB <= 0) return crcA >>> 0;
  const even = new Uint32Array(32);
  const odd = new Uint32Array(32);
  odd[0] = POLY; // one zero bit
  for (let n = 1, row = 1; n < 32; n++, row <<= 1) odd[n] = row;
  gf2Square(even, odd); // two zero bits
  gf2Square(odd, even); // four
  let crc = crcA >>> 0;
  let len = lenB;
  for (;;) {
    gf2Square(even, odd); // first pass: one zero byte, then doubling
    if (len % 2 === 1) crc = gf2Times(even, crc);
    len = Math.floor(len / 2);
    if (len === 0) break;
    gf2Square(odd, even);
    if (len % 2 === 1) crc = gf2Times(odd, crc);
    len = Math.floor(len / 2);
    if (len === 0) break;
  }
  return (crc ^ crcB) >>> 0;
}
