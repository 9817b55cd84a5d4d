// Binary encoding of raft messages between members of this project (peer streams,
// pipelines and snapshot headers; Go's wire and files use raftpb.ts). Little-endian,
// length-prefixed, no schema evolution needed inside one version. Numbers (terms,
// indexes) are below 2^53 and written as u64; node IDs are 64-bit hex strings written as
// 8 raw bytes.
import { type ConfState, type Entry, type Message, type Snapshot, EMPTY_BYTES } from './types.js';
import { halvesToHex, hexToHalves, ProtoWriter } from '../pkg/protobuf.js';

const TWO32 = 0x1_0000_0000;

/** ProtoWriter's growable buffer, with this encoding's fixed-width fields. */
export class Writer extends ProtoWriter {
  u32(v: number): void {
    this.ensure(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = v;
    b[p + 1] = v >>> 8;
    b[p + 2] = v >>> 16;
    b[p + 3] = v >>> 24;
    this.pos = p + 4;
  }

  u64(v: number): void {
    this.u32(v % TWO32);
    this.u32(Math.floor(v / TWO32));
  }

  /** A node ID as 8 big-endian bytes. */
  id(v: string): void {
    const [hi, lo] = hexToHalves(v);
    this.ensure(8);
    const b = this.buf;
    const p = this.pos;
    b[p] = hi >>> 24;
    b[p + 1] = hi >>> 16;
    b[p + 2] = hi >>> 8;
    b[p + 3] = hi;
    b[p + 4] = lo >>> 24;
    b[p + 5] = lo >>> 16;
    b[p + 6] = lo >>> 8;
    b[p + 7] = lo;
    this.pos = p + 8;
  }

  /** A u32 length, then the bytes. */
  blob(b: Uint8Array): void {
    this.u32(b.length);
    this.raw(b);
  }
}

export class Reader {
  private readonly view: DataView;
  pos = 0;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) {
      throw new RangeError(`truncated record: need ${n} bytes at offset ${this.pos}`);
    }
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  u64(): number {
    this.need(8);
    const lo = this.view.getUint32(this.pos, true);
    const hi = this.view.getUint32(this.pos + 4, true);
    this.pos += 8;
    return hi * TWO32 + lo;
  }

  id(): string {
    this.need(8);
    const hi = this.view.getUint32(this.pos, false);
    const lo = this.view.getUint32(this.pos + 4, false);
    this.pos += 8;
    return halvesToHex(hi, lo);
  }

  bytes(): Uint8Array {
    const n = this.u32();
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return n === 0 ? EMPTY_BYTES : b;
  }

  get done(): boolean {
    return this.pos >= this.buf.length;
  }
}

function writeEntry(w: Writer, e: Entry): void {
  w.u64(e.term);
  w.u64(e.index);
  w.byte(e.type);
  w.blob(e.data);
}

function readEntry(r: Reader): Entry {
  const term = r.u64();
  const index = r.u64();
  const type = r.u8();
  const data = r.bytes();
  return { term, index, type, data };
}

function writeIds(w: Writer, ids: string[]): void {
  w.u32(ids.length);
  for (const id of ids) w.id(id);
}

function readIds(r: Reader): string[] {
  const n = r.u32();
  const ids: string[] = new Array(n);
  for (let i = 0; i < n; i++) ids[i] = r.id();
  return ids;
}

function writeConfState(w: Writer, c: ConfState): void {
  writeIds(w, c.voters);
  writeIds(w, c.learners);
}

function readConfState(r: Reader): ConfState {
  return { voters: readIds(r), learners: readIds(r) };
}

function writeSnapshot(w: Writer, s: Snapshot): void {
  w.u64(s.metadata.term);
  w.u64(s.metadata.index);
  writeConfState(w, s.metadata.confState);
  w.blob(s.data);
}

function readSnapshot(r: Reader): Snapshot {
  const term = r.u64();
  const index = r.u64();
  const confState = readConfState(r);
  const data = r.bytes();
  return { data, metadata: { term, index, confState } };
}

export function writeMessage(w: Writer, m: Message): void {
  w.byte(m.type);
  w.id(m.to);
  w.id(m.from);
  w.u64(m.term);
  w.u64(m.logTerm);
  w.u64(m.index);
  w.u64(m.commit);
  w.byte((m.reject ? 1 : 0) | (m.snapshot ? 2 : 0));
  w.u64(m.rejectHint);
  w.blob(m.context);
  w.u32(m.entries.length);
  for (const e of m.entries) writeEntry(w, e);
  if (m.snapshot) writeSnapshot(w, m.snapshot);
}

function readMessage(r: Reader): Message {
  const type = r.u8();
  const to = r.id();
  const from = r.id();
  const term = r.u64();
  const logTerm = r.u64();
  const index = r.u64();
  const commit = r.u64();
  const flags = r.u8();
  const rejectHint = r.u64();
  const context = r.bytes();
  const n = r.u32();
  const entries: Entry[] = new Array(n);
  for (let i = 0; i < n; i++) entries[i] = readEntry(r);
  const snapshot = flags & 2 ? readSnapshot(r) : null;
  return {
    type,
    to,
    from,
    term,
    logTerm,
    index,
    entries,
    commit,
    snapshot,
    reject: (flags & 1) !== 0,
    rejectHint,
    context,
  };
}

export function encodeMessage(m: Message): Uint8Array {
  const w = new Writer(128);
  writeMessage(w, m);
  return w.view();
}

export function decodeMessage(b: Uint8Array): Message {
  return readMessage(new Reader(b));
}
