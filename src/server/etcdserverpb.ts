// etcd 2.0's etcdserverpb.Request, the data of every normal log entry, byte for byte as
// gogoproto marshals it: all 16 fields in order, always present (they are `required`),
// except PrevExist, which is nullable and written only when set. Decoding takes the fields
// in any order and skips unknown ones, as gogoproto does (which checks no required field).
import { Buffer } from 'node:buffer';
import type { V2Request } from '../store/request.js';

const MASK64 = (1n << 64n) - 1n;

class PbWriter {
  buf: Buffer;
  pos = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }
  byte(b: number): void {
    this.buf[this.pos++] = b;
  }
  /** A varint of a non-negative number below 2^53. */
  uint(v: number): void {
    const b = this.buf;
    while (v >= 0x80) {
      b[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    b[this.pos++] = v;
  }
  /** A varint of a 64-bit value (negative int64s as their two's complement: 10 bytes). */
  big(v: bigint): void {
    let x = v & MASK64;
    if (x < 0x20000000000000n) {
      this.uint(Number(x));
      return;
    }
    const b = this.buf;
    while (x >= 0x80n) {
      b[this.pos++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    b[this.pos++] = Number(x);
  }
  str(tag: number, s: string): void {
    this.byte(tag);
    const n = Buffer.byteLength(s, 'utf8');
    this.uint(n);
    this.buf.write(s, this.pos, 'utf8');
    this.pos += n;
  }
  bool(tag: number, v: boolean): void {
    this.byte(tag);
    this.byte(v ? 1 : 0);
  }
}

function idToUint64(id: string): bigint {
  if (id === '') return 0n;
  if (!/^[0-9a-f]{1,16}$/.test(id))
    throw new Error(`request ID ${JSON.stringify(id)} is not a hex uint64`);
  return BigInt(`0x${id}`);
}

export function encodeRequest(r: V2Request): Uint8Array {
  const size = 96 + 3 * (r.method.length + r.path.length + r.val.length + r.prevValue.length);
  const w = new PbWriter(size);
  w.byte(0x08);
  w.big(idToUint64(r.id));
  w.str(0x12, r.method);
  w.str(0x1a, r.path);
  w.str(0x22, r.val);
  w.bool(0x28, r.dir);
  w.str(0x32, r.prevValue);
  w.byte(0x38);
  w.uint(r.prevIndex);
  if (r.prevExist !== null) w.bool(0x40, r.prevExist);
  w.byte(0x48);
  w.big(r.expiration);
  w.bool(0x50, r.wait);
  w.byte(0x58);
  w.uint(r.since);
  w.bool(0x60, r.recursive);
  w.bool(0x68, r.sorted);
  w.bool(0x70, r.quorum);
  w.byte(0x78);
  w.big(r.time);
  w.byte(0x80);
  w.byte(0x01);
  w.byte(r.stream ? 1 : 0);
  return w.buf.subarray(0, w.pos);
}

class PbError extends Error {}

/** Decodes an etcdserverpb.Request (absent fields are zero, as in Go); throws on malformed bytes. */
export function decodeRequest(b: Uint8Array): V2Request {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  let p = 0;
  const varint = (): bigint => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      if (p >= buf.length) throw new PbError('etcdserverpb.Request: truncated varint');
      const c = buf[p++]!;
      v |= BigInt(c & 0x7f) << shift;
      if (c < 0x80) return v & MASK64;
      shift += 7n;
      if (shift >= 70n) throw new PbError('etcdserverpb.Request: varint overflow');
    }
  };
  const small = (what: string): number => {
    const v = varint();
    if (v > BigInt(Number.MAX_SAFE_INTEGER))
      throw new PbError(`etcdserverpb.Request: ${what} ${v} is too large`);
    return Number(v);
  };
  const bytes = (): Buffer => {
    const n = small('length');
    if (p + n > buf.length) throw new PbError('etcdserverpb.Request: truncated field');
    const s = buf.subarray(p, p + n);
    p += n;
    return s;
  };
  const r: V2Request = {
    id: '',
    method: '',
    path: '',
    val: '',
    dir: false,
    prevValue: '',
    prevIndex: 0,
    prevExist: null,
    expiration: 0n,
    wait: false,
    since: 0,
    recursive: false,
    sorted: false,
    quorum: false,
    time: 0n,
    stream: false,
  };
  while (p < buf.length) {
    const key = small('key');
    const field = Math.floor(key / 8);
    const wire = key % 8;
    const want = field === 2 || field === 3 || field === 4 || field === 6 ? 2 : 0;
    if (field >= 1 && field <= 16 && wire !== want) {
      throw new PbError(`etcdserverpb.Request: field ${field} has wire type ${wire}`);
    }
    switch (field) {
      case 1: {
        const id = varint();
        r.id = id === 0n ? '' : id.toString(16);
        break;
      }
      case 2:
        r.method = bytes().toString('utf8');
        break;
      case 3:
        r.path = bytes().toString('utf8');
        break;
      case 4:
        r.val = bytes().toString('utf8');
        break;
      case 5:
        r.dir = varint() !== 0n;
        break;
      case 6:
        r.prevValue = bytes().toString('utf8');
        break;
      case 7:
        r.prevIndex = small('PrevIndex');
        break;
      case 8:
        r.prevExist = varint() !== 0n;
        break;
      case 9:
        r.expiration = BigInt.asIntN(64, varint());
        break;
      case 10:
        r.wait = varint() !== 0n;
        break;
      case 11:
        r.since = small('Since');
        break;
      case 12:
        r.recursive = varint() !== 0n;
        break;
      case 13:
        r.sorted = varint() !== 0n;
        break;
      case 14:
        r.quorum = varint() !== 0n;
        break;
      case 15:
        r.time = BigInt.asIntN(64, varint());
        break;
      case 16:
        r.stream = varint() !== 0n;
        break;
      default:
        // Unknown fields are skipped (gogoproto keeps them aside).
        if (wire === 0) varint();
        else if (wire === 2) bytes();
        else if (wire === 1) p += 8;
        else if (wire === 5) p += 4;
        else throw new PbError(`etcdserverpb.Request: wire type ${wire}`);
        if (p > buf.length) throw new PbError('etcdserverpb.Request: truncated field');
    }
  }
  return r;
}
