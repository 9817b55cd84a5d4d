// Binary encoding of raft's types, shared by the WAL, the snapshot files and the peer
// transport. Little-endian, length-prefixed, no schema evolution needed inside one
// version. Numbers (terms, indexes) are below 2^53 and written as u64; node IDs are
// 64-bit hex strings written as 8 raw bytes.
import {
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type Snapshot,
  EMPTY_BYTES,
} from './types.js';

const TWO32 = 0x1_0000_0000;

// A member only ever sees a handful of distinct IDs, so their conversions are cached
// (bounded: a flood of foreign IDs cannot grow the caches without limit).
const ID_CACHE_MAX = 1024;
const halvesCache = new Map<string, [number, number]>();
const stringCache = new Map<number, Map<number, string>>();

function idHalves(v: string): [number, number] {
  let h = halvesCache.get(v);
  if (h === undefined) {
    const hex = v === '' ? '0' : v;
    const padded = hex.length >= 16 ? hex.slice(-16) : '0'.repeat(16 - hex.length) + hex;
    h = [Number.parseInt(padded.slice(0, 8), 16), Number.parseInt(padded.slice(8), 16)];
    if (halvesCache.size < ID_CACHE_MAX) halvesCache.set(v, h);
  }
  return h;
}

function idString(hi: number, lo: number): string {
  let byLo = stringCache.get(hi);
  let s = byLo?.get(lo);
  if (s !== undefined) return s;
  if (hi === 0 && lo === 0) s = '';
  else if (hi === 0) s = lo.toString(16);
  else s = hi.toString(16) + lo.toString(16).padStart(8, '0');
  if (stringCache.size < ID_CACHE_MAX) {
    if (!byLo) stringCache.set(hi, (byLo = new Map()));
    if (byLo.size < ID_CACHE_MAX) byLo.set(lo, s);
  }
  return s;
}

export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  pos = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  u64(v: number): void {
    this.ensure(8);
    this.view.setUint32(this.pos, v % TWO32, true);
    this.view.setUint32(this.pos + 4, Math.floor(v / TWO32), true);
    this.pos += 8;
  }

  id(v: string): void {
    this.ensure(8);
    const halves = idHalves(v);
    this.view.setUint32(this.pos, halves[0], false);
    this.view.setUint32(this.pos + 4, halves[1], false);
    this.pos += 8;
  }

  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  str(s: string): void {
    this.bytes(Buffer.from(s, 'utf8'));
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
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
    return idString(hi, lo);
  }

  bytes(): Uint8Array {
    const n = this.u32();
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return n === 0 ? EMPTY_BYTES : b;
  }

  str(): string {
    return Buffer.from(this.bytes()).toString('utf8');
  }

  get done(): boolean {
    return this.pos >= this.buf.length;
  }
}

export function writeEntry(w: Writer, e: Entry): void {
  w.u64(e.term);
  w.u64(e.index);
  w.u8(e.type);
  w.bytes(e.data);
}

export function readEntry(r: Reader): Entry {
  const term = r.u64();
  const index = r.u64();
  const type = r.u8();
  const data = r.bytes();
  return { term, index, type, data };
}

export function encodeEntry(e: Entry): Uint8Array {
  const w = new Writer(32 + e.data.length);
  writeEntry(w, e);
  return w.finish();
}

export function decodeEntry(b: Uint8Array): Entry {
  return readEntry(new Reader(b));
}

export function encodeHardState(h: HardState): Uint8Array {
  const w = new Writer(32);
  w.u64(h.term);
  w.id(h.vote);
  w.u64(h.commit);
  return w.finish();
}

export function decodeHardState(b: Uint8Array): HardState {
  const r = new Reader(b);
  return { term: r.u64(), vote: r.id(), commit: r.u64() };
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

export function writeConfState(w: Writer, c: ConfState): void {
  writeIds(w, c.voters);
  writeIds(w, c.learners);
}

export function readConfState(r: Reader): ConfState {
  return { voters: readIds(r), learners: readIds(r) };
}

export function writeSnapshot(w: Writer, s: Snapshot): void {
  w.u64(s.metadata.term);
  w.u64(s.metadata.index);
  writeConfState(w, s.metadata.confState);
  w.bytes(s.data);
}

export function readSnapshot(r: Reader): Snapshot {
  const term = r.u64();
  const index = r.u64();
  const confState = readConfState(r);
  const data = r.bytes();
  return { data, metadata: { term, index, confState } };
}

export function encodeSnapshot(s: Snapshot): Uint8Array {
  const w = new Writer(64 + s.data.length);
  writeSnapshot(w, s);
  return w.finish();
}

export function decodeSnapshot(b: Uint8Array): Snapshot {
  return readSnapshot(new Reader(b));
}

export function writeMessage(w: Writer, m: Message): void {
  w.u8(m.type);
  w.id(m.to);
  w.id(m.from);
  w.u64(m.term);
  w.u64(m.logTerm);
  w.u64(m.index);
  w.u64(m.commit);
  w.u8((m.reject ? 1 : 0) | (m.snapshot ? 2 : 0));
  w.u64(m.rejectHint);
  w.bytes(m.context);
  w.u32(m.entries.length);
  for (const e of m.entries) writeEntry(w, e);
  if (m.snapshot) writeSnapshot(w, m.snapshot);
}

export function readMessage(r: Reader): Message {
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
  return w.finish();
}

export function decodeMessage(b: Uint8Array): Message {
  return readMessage(new Reader(b));
}
