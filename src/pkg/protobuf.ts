// A small proto2 wire-format reader and writer, enough for etcd 2.0's gogoproto messages
// (raftpb, walpb, snappb, etcdserverpb). Numbers below 2^53 are plain JS numbers; full
// 64-bit values (member, cluster and request IDs) travel as two 32-bit halves and surface
// as lowercase hex strings, so the hot path needs no BigInt. Reading is strict about
// bounds: a truncated or oversized field throws a ProtoError, never reads past the end or
// allocates from an untrusted length.

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

const TWO32 = 0x1_0000_0000;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const UTF8_ENCODER = new TextEncoder();
/** hi half limit for values that still fit a JS safe integer (< 2^53). */
const SAFE_HI = 0x20_0000;

export class ProtoError extends Error {
  constructor(message: string) {
    super(`protobuf: ${message}`);
    this.name = 'ProtoError';
  }
}

// A member only ever sees a handful of distinct IDs: conversions are cached, bounded so a
// flood of foreign IDs cannot grow the caches without limit.
const ID_CACHE_MAX = 1024;
const halvesCache = new Map<string, readonly [number, number]>();
const hexCache = new Map<number, Map<number, string>>();
const HEX_ID = /^[0-9a-f]{0,16}$/;

/** A hex ID ('' means 0) as its [high, low] 32-bit halves. Throws on anything else. */
export function hexToHalves(hex: string): readonly [number, number] {
  let h = halvesCache.get(hex);
  if (h !== undefined) return h;
  const lower = hex.toLowerCase();
  if (!HEX_ID.test(lower)) throw new ProtoError(`not a 64-bit hex id: ${JSON.stringify(hex)}`);
  const padded = lower.padStart(16, '0');
  h = [Number.parseInt(padded.slice(0, 8), 16), Number.parseInt(padded.slice(8), 16)] as const;
  if (halvesCache.size < ID_CACHE_MAX) halvesCache.set(hex, h);
  return h;
}

/** [high, low] halves as a hex ID: lowercase, no leading zeros, '' for 0. */
export function halvesToHex(hi: number, lo: number): string {
  let byLo = hexCache.get(hi);
  let s = byLo?.get(lo);
  if (s !== undefined) return s;
  if (hi === 0 && lo === 0) s = '';
  else if (hi === 0) s = lo.toString(16);
  else s = hi.toString(16) + lo.toString(16).padStart(8, '0');
  if (hexCache.size < ID_CACHE_MAX) {
    if (byLo === undefined) hexCache.set(hi, (byLo = new Map()));
    if (byLo.size < ID_CACHE_MAX) byLo.set(lo, s);
  }
  return s;
}

/** Bytes a varint of `n` (0 <= n < 2^53) takes. */
export function varintSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Bytes a varint of the uint64 [hi, lo] takes. */
export function varint64Size(hi: number, lo: number): number {
  if (hi === 0) return varintSize(lo);
  // 32 bits of lo then hi's bits: 5 bytes hold 35 bits.
  let size = 5;
  let h = hi >>> 3;
  while (h > 0) {
    h >>>= 7;
    size++;
  }
  return size;
}

/** Bytes a hex ID takes as a varint. */
export function hexVarintSize(hex: string): number {
  const [hi, lo] = hexToHalves(hex);
  return varint64Size(hi, lo);
}

/** Bytes a length-delimited field's payload takes with its length prefix (no tag). */
export function bytesFieldSize(len: number): number {
  return varintSize(len) + len;
}

/** `v` encoded by `write` into a buffer of exactly `size(v)` bytes. */
export function encodeSized<T>(
  v: T,
  size: (v: T) => number,
  write: (w: ProtoWriter, v: T) => void,
): Uint8Array {
  const w = new ProtoWriter(size(v));
  write(w, v);
  return w.result();
}

export class ProtoWriter {
  buf: Uint8Array;
  pos = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = Math.max(64, this.buf.length * 2);
    while (cap < this.pos + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.pos));
    this.buf = b;
  }

  reset(): void {
    this.pos = 0;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /**
   * A field's key byte (field number << 3 | wire type); its value's writer follows, as in
   * `w.key(0x10).varint(term)`. Fields 1-15 have one-byte keys, all that etcd's messages use
   * but etcdserverpb.Request's field 16 (written with tag()).
   */
  key(k: number): this {
    this.ensure(1);
    this.buf[this.pos++] = k;
    return this;
  }

  bool(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  /** A varint of an integer 0 <= n < 2^53. */
  varint(n: number): void {
    if (this.pos + 10 > this.buf.length) this.ensure(varintSize(n));
    const b = this.buf;
    let p = this.pos;
    while (n >= 128) {
      b[p++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    b[p++] = n;
    this.pos = p;
  }

  /** A varint of the uint64 whose halves are [hi, lo] (each 0 <= x < 2^32). */
  varint64(hi: number, lo: number): void {
    if (hi === 0) {
      this.varint(lo);
      return;
    }
    this.ensure(varint64Size(hi, lo));
    const b = this.buf;
    let p = this.pos;
    // Low 28 bits, 7 at a time, then 4 from lo with 3 from hi, then hi's remaining bits.
    for (let i = 0; i < 4; i++) {
      b[p++] = ((lo >>> (7 * i)) & 0x7f) | 0x80;
    }
    let h = hi >>> 3;
    b[p++] = (lo >>> 28) | ((hi & 0x7) << 4) | (h > 0 ? 0x80 : 0);
    while (h > 0) {
      const next = h >>> 7;
      b[p++] = (h & 0x7f) | (next > 0 ? 0x80 : 0);
      h = next;
    }
    this.pos = p;
  }

  /** A 64-bit hex ID as a varint. */
  hexVarint(hex: string): void {
    const [hi, lo] = hexToHalves(hex);
    this.varint64(hi, lo);
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** A length prefix and the bytes. */
  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A length prefix and the UTF-8 bytes of `s`. */
  string(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.varint(n);
    this.ensure(n);
    UTF8_ENCODER.encodeInto(s, this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
  }

  /** An int64 as a varint: a negative one as its two's complement (ten bytes, as Go). */
  int64(v: bigint): void {
    if (v >= 0n && v <= MAX_SAFE) {
      this.varint(Number(v));
      return;
    }
    const x = BigInt.asUintN(64, v);
    this.varint64(Number(x >> 32n), Number(x & 0xffff_ffffn));
  }

  /** Raw bytes, no prefix. */
  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A copy of what was written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  /** What was written: the buffer itself when it was sized exactly, else a copy. */
  result(): Uint8Array {
    return this.pos === this.buf.length ? this.buf : this.buf.slice(0, this.pos);
  }

  /** A view of what was written (valid until the next write or reset). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

export class ProtoReader {
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    if (start < 0 || end > buf.length || start > end) throw new ProtoError('bad bounds');
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** The next field's tag as field * 8 + wire type. */
  tag(): number {
    const t = this.varint();
    if (t < 8) throw new ProtoError(`invalid field number 0 at offset ${this.pos}`);
    return t;
  }

  /** A varint that must be below 2^53 (terms, indexes, lengths, enums). */
  varint(): number {
    const b = this.buf;
    const end = this.end;
    let p = this.pos;
    // Fast path: up to 4 bytes (28 bits).
    let lo = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (p >= end) throw truncated();
      const x = b[p++]!;
      lo |= (x & 0x7f) << shift;
      if (x < 0x80) {
        this.pos = p;
        return lo >>> 0;
      }
    }
    this.pos = p;
    const [hi, lo2] = this.rest64(lo >>> 0);
    if (hi >= SAFE_HI) throw new ProtoError('varint exceeds 2^53');
    return hi * TWO32 + lo2;
  }

  /** A varint as uint64 halves [hi, lo]. */
  varint64(): [number, number] {
    const b = this.buf;
    let p = this.pos;
    let lo = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (p >= this.end) throw truncated();
      const x = b[p++]!;
      lo |= (x & 0x7f) << shift;
      if (x < 0x80) {
        this.pos = p;
        return [0, lo >>> 0];
      }
    }
    this.pos = p;
    return this.rest64(lo >>> 0);
  }

  /** Continues a varint after its first 4 bytes (28 bits in `lo`). */
  private rest64(lo: number): [number, number] {
    const b = this.buf;
    let p = this.pos;
    if (p >= this.end) throw truncated();
    let x = b[p++]!;
    lo = (lo | ((x & 0x0f) << 28)) >>> 0;
    let hi = (x & 0x7f) >>> 4;
    if (x >= 0x80) {
      let shift = 3;
      for (;;) {
        if (p >= this.end) throw truncated();
        x = b[p++]!;
        if (shift === 31 && x > 1) throw new ProtoError('varint overflows 64 bits');
        hi = (hi | ((x & 0x7f) << shift)) >>> 0;
        if (x < 0x80) break;
        shift += 7;
        if (shift > 31) throw new ProtoError('varint longer than 10 bytes');
      }
    }
    this.pos = p;
    return [hi >>> 0, lo];
  }

  /** A uint64 varint as a hex ID ('' for 0). */
  hexVarint(): string {
    const [hi, lo] = this.varint64();
    return halvesToHex(hi, lo);
  }

  /** A uint32 varint (Go truncates wider values; we refuse them). */
  uint32(): number {
    const [hi, lo] = this.varint64();
    if (hi !== 0) throw new ProtoError('uint32 field out of range');
    return lo;
  }

  bool(): boolean {
    return this.varint() !== 0;
  }

  /** A bool as Go reads it: any non-zero 64-bit varint is true. */
  bool64(): boolean {
    const [hi, lo] = this.varint64();
    return hi !== 0 || lo !== 0;
  }

  /** An int64 varint (two's complement) as a bigint. */
  int64(): bigint {
    const [hi, lo] = this.varint64();
    if (hi === 0) return BigInt(lo);
    return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
  }

  /** A length-delimited field as UTF-8 text. */
  string(): string {
    const v = this.bytes();
    return Buffer.from(v.buffer, v.byteOffset, v.length).toString('utf8');
  }

  /** A length-delimited field's payload: a view into the buffer, bounds-checked. */
  bytes(): Uint8Array {
    const len = this.varint();
    if (len > this.end - this.pos) throw truncated();
    const v = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return v;
  }

  /** A reader over the next length-delimited field (an embedded message). */
  sub(): ProtoReader {
    const len = this.varint();
    if (len > this.end - this.pos) throw truncated();
    const r = new ProtoReader(this.buf, this.pos, this.pos + len);
    this.pos += len;
    return r;
  }

  /**
   * Skips a field this decoder does not read. Fields 1..knownFields are the message's own:
   * one of those with an unexpected wire type is an error (as gogoproto's "wrong
   * wireType"), never silently dropped; later fields (newer versions) are skipped.
   */
  skipUnknown(tag: number, knownFields: number): void {
    const field = tag >>> 3;
    if (field === 0) throw new ProtoError(`field number 0 at offset ${this.pos}`);
    if (field <= knownFields) {
      throw new ProtoError(`wrong wire type ${tag & 7} for field ${field} at offset ${this.pos}`);
    }
    this.skip(tag & 7);
  }

  /** Skips a field's value of the given wire type. */
  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint64();
        return;
      case WIRE_FIXED64:
        this.advance(8);
        return;
      case WIRE_BYTES: {
        const len = this.varint();
        this.advance(len);
        return;
      }
      case WIRE_FIXED32:
        this.advance(4);
        return;
      case WIRE_START_GROUP: {
        // Skip fields until the matching end-group (nesting bounded by the input).
        for (;;) {
          if (this.done) throw truncated();
          const t = this.tag();
          if ((t & 7) === WIRE_END_GROUP) return;
          this.skip(t & 7);
        }
      }
      default:
        throw new ProtoError(`unexpected wire type ${wire} at offset ${this.pos}`);
    }
  }

  private advance(n: number): void {
    if (n > this.end - this.pos) throw truncated();
    this.pos += n;
  }
}

function truncated(): ProtoError {
  return new ProtoError('unexpected end of input');
}

/** Wire type a field's tag carries. */
export function wireOf(tag: number): number {
  return tag & 7;
}

/** Field number a tag carries. */
export function fieldOf(tag: number): number {
  return Math.floor(tag / 8);
}
