// The protobuf encoding of raftpb messages and entries as etcd 2.0 writes them: every
// required field present (zeros included), the snapshot always, repeated fields unpacked;
// unknown fields are skipped when reading, as Go does. Interim: go-codec.ts moves to the
// shared src/raft/raftpb.ts codec once it lands, and this file goes away.
import {
  type ConfState,
  EMPTY_BYTES,
  type Entry,
  type Message,
  type Snapshot,
} from '../raft/types.js';

const TWO32 = 0x1_0000_0000;

class PbWriter {
  private buf: Uint8Array;
  pos = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  /** A non-negative integer below 2^53. */
  varint(v: number): void {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  /** A member ID (hex, up to 64 bits) as a varint. */
  id(hex: string): void {
    let v = hex === '' ? 0n : BigInt(`0x${hex}`);
    this.ensure(10);
    while (v >= 0x80n) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  uint(field: number, v: number): void {
    this.varint(field << 3);
    this.varint(v);
  }

  bytes(field: number, b: Uint8Array): void {
    this.varint((field << 3) | 2);
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Starts a length-delimited field; returns the mark for end(). */
  begin(field: number): number {
    this.varint((field << 3) | 2);
    this.ensure(5);
    const mark = this.pos;
    this.pos += 5; // room for a 5-byte length, fixed up (non-minimal varints are valid)
    return mark;
  }

  end(mark: number): void {
    let n = this.pos - mark - 5;
    for (let i = 0; i < 4; i++) {
      this.buf[mark + i] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[mark + 4] = n;
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

function writeEntry(w: PbWriter, e: Entry): void {
  w.uint(1, e.type);
  w.uint(2, e.term);
  w.uint(3, e.index);
  if (e.data.length > 0) w.bytes(4, e.data);
}

function writeSnapshot(w: PbWriter, s: Snapshot | null): void {
  if (s !== null && s.data.length > 0) w.bytes(1, s.data);
  const md = w.begin(2);
  const cs = w.begin(1);
  if (s !== null) {
    for (const n of s.metadata.confState.voters) {
      w.varint(1 << 3);
      w.id(n);
    }
  }
  w.end(cs);
  w.uint(2, s?.metadata.index ?? 0);
  w.uint(3, s?.metadata.term ?? 0);
  w.end(md);
}

export function encodeMessage(m: Message): Uint8Array {
  let size = 64;
  for (const e of m.entries) size += 24 + e.data.length;
  if (m.snapshot !== null)
    size += m.snapshot.data.length + 16 * m.snapshot.metadata.confState.voters.length;
  const w = new PbWriter(size);
  w.uint(1, m.type);
  w.varint(2 << 3);
  w.id(m.to);
  w.varint(3 << 3);
  w.id(m.from);
  w.uint(4, m.term);
  w.uint(5, m.logTerm);
  w.uint(6, m.index);
  for (const e of m.entries) {
    const mark = w.begin(7);
    writeEntry(w, e);
    w.end(mark);
  }
  w.uint(8, m.commit);
  const snap = w.begin(9);
  writeSnapshot(w, m.snapshot);
  w.end(snap);
  w.uint(10, m.reject ? 1 : 0);
  w.uint(11, m.rejectHint);
  return w.finish();
}

export function encodeEntry(e: Entry): Uint8Array {
  const w = new PbWriter(24 + e.data.length);
  writeEntry(w, e);
  return w.finish();
}

class PbReader {
  pos = 0;
  /** The last field's wire type, value (varint) or bytes (length-delimited). */
  wire = 0;
  value = 0;
  valueHex = '';
  data: Uint8Array = EMPTY_BYTES;

  constructor(private readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  private byte(): number {
    if (this.pos >= this.buf.length) throw new RangeError('truncated protobuf');
    return this.buf[this.pos++]!;
  }

  /** A varint as a number (exact below 2^53) and as hex (exact to 64 bits). */
  private varint(): void {
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      const bits = b & 0x7f;
      if (shift < 28) lo |= bits << shift;
      else if (shift === 28) {
        lo |= (bits & 0x0f) << 28;
        hi |= bits >>> 4;
      } else hi |= bits << (shift - 32);
      if (b < 0x80) {
        lo >>>= 0;
        hi >>>= 0;
        this.value = hi * TWO32 + lo;
        this.valueHex =
          hi === 0 && lo === 0
            ? ''
            : hi === 0
              ? lo.toString(16)
              : hi.toString(16) + lo.toString(16).padStart(8, '0');
        return;
      }
      shift += 7;
    }
    throw new RangeError('varint longer than 10 bytes');
  }

  /** Reads the next field; returns its number. */
  next(): number {
    this.varint();
    const tag = this.value;
    this.wire = tag % 8;
    const field = Math.floor(tag / 8);
    if (field === 0) throw new RangeError('field number 0');
    switch (this.wire) {
      case 0:
        this.varint();
        break;
      case 1:
        this.skip(8);
        break;
      case 2: {
        this.varint();
        const n = this.value;
        if (n > this.buf.length - this.pos) throw new RangeError('truncated protobuf field');
        this.data = this.buf.subarray(this.pos, this.pos + n);
        this.pos += n;
        break;
      }
      case 5:
        this.skip(4);
        break;
      default:
        throw new RangeError(`unsupported wire type ${this.wire}`);
    }
    return field;
  }

  private skip(n: number): void {
    if (n > this.buf.length - this.pos) throw new RangeError('truncated protobuf field');
    this.pos += n;
  }

  expect(wire: number, what: string): void {
    if (this.wire !== wire) throw new RangeError(`wrong wire type for ${what}`);
  }

  num(what: string): number {
    this.expect(0, what);
    return this.value;
  }

  bytes(what: string): Uint8Array {
    this.expect(2, what);
    return this.data;
  }
}

export function decodeEntry(b: Uint8Array): Entry {
  const e: Entry = { term: 0, index: 0, type: 0, data: EMPTY_BYTES };
  const r = new PbReader(b);
  while (!r.done) {
    const f = r.next();
    if (f === 1) e.type = r.num('Entry.Type');
    else if (f === 2) e.term = r.num('Entry.Term');
    else if (f === 3) e.index = r.num('Entry.Index');
    else if (f === 4) e.data = r.bytes('Entry.Data');
  }
  return e;
}

function decodeConfState(b: Uint8Array): ConfState {
  const cs: ConfState = { voters: [], learners: [] };
  const r = new PbReader(b);
  while (!r.done) {
    if (r.next() === 1) {
      r.expect(0, 'ConfState.Nodes');
      cs.voters.push(r.valueHex);
    }
  }
  return cs;
}

function decodeSnapshot(b: Uint8Array): Snapshot {
  const s: Snapshot = {
    data: EMPTY_BYTES,
    metadata: { index: 0, term: 0, confState: { voters: [], learners: [] } },
  };
  const r = new PbReader(b);
  while (!r.done) {
    const f = r.next();
    if (f === 1) s.data = r.bytes('Snapshot.Data');
    else if (f === 2) {
      r.expect(2, 'Snapshot.Metadata');
      const md = new PbReader(r.data);
      while (!md.done) {
        const g = md.next();
        if (g === 1) s.metadata.confState = decodeConfState(md.bytes('ConfState'));
        else if (g === 2) s.metadata.index = md.num('Metadata.Index');
        else if (g === 3) s.metadata.term = md.num('Metadata.Term');
      }
    }
  }
  return s;
}

export function decodeMessage(b: Uint8Array): Message {
  const m: Message = {
    type: 0,
    to: '',
    from: '',
    term: 0,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    snapshot: null,
    reject: false,
    rejectHint: 0,
    context: EMPTY_BYTES,
  };
  const r = new PbReader(b);
  while (!r.done) {
    const f = r.next();
    switch (f) {
      case 7:
        r.expect(2, 'Message.Entries');
        m.entries.push(decodeEntry(r.data));
        break;
      case 9: {
        r.expect(2, 'Message.Snapshot');
        const s = decodeSnapshot(r.data);
        m.snapshot = s.metadata.index === 0 && s.data.length === 0 ? null : s;
        break;
      }
      default:
        if (f > 11) break; // a later version's field (Context...): skipped, as Go does
        r.expect(0, `Message field ${f}`);
        if (f === 1) m.type = r.value;
        else if (f === 2) m.to = r.valueHex;
        else if (f === 3) m.from = r.valueHex;
        else if (f === 4) m.term = r.value;
        else if (f === 5) m.logTerm = r.value;
        else if (f === 6) m.index = r.value;
        else if (f === 8) m.commit = r.value;
        else if (f === 10) m.reject = r.value !== 0;
        else if (f === 11) m.rejectHint = r.value;
    }
  }
  return m;
}
