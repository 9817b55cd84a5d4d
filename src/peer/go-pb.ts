// The protobuf encoding of raftpb messages and entries as etcd 2.0 writes them (every
// required field present, unknown fields skipped). Interim: go-codec.ts moves to the shared
// src/raft/raftpb.ts codec once it lands, and this file goes away.
import type { ConfState, Entry, Message, Snapshot } from '../raft/types.js';

class W {
  b: number[] = [];
  varint(v: bigint | number): void {
    let x = BigInt(v);
    while (x >= 0x80n) {
      this.b.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.b.push(Number(x));
  }
  tag(f: number, wt: number): void {
    this.varint((f << 3) | wt);
  }
  u(f: number, v: bigint | number): void {
    this.tag(f, 0);
    this.varint(v);
  }
  bytes(f: number, d: Uint8Array | number[]): void {
    this.tag(f, 2);
    this.varint(d.length);
    for (const x of d) this.b.push(x);
  }
  out(): Uint8Array {
    return Uint8Array.from(this.b);
  }
}
const idv = (s: string) => (s === '' ? 0n : BigInt(`0x${s}`));
const ids = (v: bigint) => (v === 0n ? '' : v.toString(16));

function encEntry(e: Entry): Uint8Array {
  const w = new W();
  w.u(1, e.type);
  w.u(2, e.term);
  w.u(3, e.index);
  if (e.data.length > 0) w.bytes(4, e.data);
  return w.out();
}
function encSnap(s: Snapshot): Uint8Array {
  const cs = new W();
  for (const n of s.metadata.confState.voters) cs.u(1, idv(n));
  const md = new W();
  md.bytes(1, cs.out());
  md.u(2, s.metadata.index);
  md.u(3, s.metadata.term);
  const w = new W();
  if (s.data.length > 0) w.bytes(1, s.data);
  w.bytes(2, md.out());
  return w.out();
}
export function encodeMessage(m: Message): Uint8Array {
  const w = new W();
  w.u(1, m.type);
  w.u(2, idv(m.to));
  w.u(3, idv(m.from));
  w.u(4, m.term);
  w.u(5, m.logTerm);
  w.u(6, m.index);
  for (const e of m.entries) w.bytes(7, encEntry(e));
  w.u(8, m.commit);
  w.bytes(
    9,
    encSnap(
      m.snapshot ?? {
        data: new Uint8Array(0),
        metadata: { index: 0, term: 0, confState: { voters: [], learners: [] } },
      },
    ),
  );
  w.u(10, m.reject ? 1 : 0);
  w.u(11, m.rejectHint);
  return w.out();
}
export function encodeEntry(e: Entry): Uint8Array {
  return encEntry(e);
}

class R {
  p = 0;
  constructor(readonly b: Uint8Array) {}
  varint(): bigint {
    let x = 0n;
    let s = 0n;
    for (;;) {
      if (this.p >= this.b.length) throw new Error('truncated varint');
      const c = this.b[this.p++]!;
      x |= BigInt(c & 0x7f) << s;
      if (c < 0x80) return x;
      s += 7n;
      if (s > 63n) throw new Error('varint overflow');
    }
  }
  fields(cb: (f: number, wt: number, v: bigint, d: Uint8Array) => void): void {
    while (this.p < this.b.length) {
      const t = Number(this.varint());
      const f = t >> 3;
      const wt = t & 7;
      if (wt === 0) cb(f, wt, this.varint(), new Uint8Array(0));
      else if (wt === 2) {
        const n = Number(this.varint());
        if (this.p + n > this.b.length) throw new Error('truncated bytes');
        cb(f, wt, 0n, this.b.subarray(this.p, this.p + n));
        this.p += n;
      } else throw new Error(`bad wire type ${wt}`);
    }
  }
}
export function decodeEntry(b: Uint8Array): Entry {
  const e: Entry = { type: 0, term: 0, index: 0, data: new Uint8Array(0) };
  new R(b).fields((f, _w, v, d) => {
    if (f === 1) e.type = Number(v);
    else if (f === 2) e.term = Number(v);
    else if (f === 3) e.index = Number(v);
    else if (f === 4) e.data = d;
  });
  return e;
}
function decSnap(b: Uint8Array): Snapshot {
  const s: Snapshot = {
    data: new Uint8Array(0),
    metadata: { index: 0, term: 0, confState: { voters: [], learners: [] } },
  };
  new R(b).fields((f, _w, _v, d) => {
    if (f === 1) s.data = d;
    else if (f === 2)
      new R(d).fields((g, _w2, v2, d2) => {
        if (g === 1) {
          const cs: ConfState = { voters: [], learners: [] };
          new R(d2).fields((h, _w3, v3) => {
            if (h === 1) cs.voters.push(ids(v3));
          });
          s.metadata.confState = cs;
        } else if (g === 2) s.metadata.index = Number(v2);
        else if (g === 3) s.metadata.term = Number(v2);
      });
  });
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
    context: new Uint8Array(0),
  };
  new R(b).fields((f, _w, v, d) => {
    switch (f) {
      case 1:
        m.type = Number(v);
        break;
      case 2:
        m.to = ids(v);
        break;
      case 3:
        m.from = ids(v);
        break;
      case 4:
        m.term = Number(v);
        break;
      case 5:
        m.logTerm = Number(v);
        break;
      case 6:
        m.index = Number(v);
        break;
      case 7:
        m.entries.push(decodeEntry(d));
        break;
      case 8:
        m.commit = Number(v);
        break;
      case 9: {
        const s = decSnap(d);
        if (s.metadata.index > 0) m.snapshot = s;
        break;
      }
      case 10:
        m.reject = v !== 0n;
        break;
      case 11:
        m.rejectHint = Number(v);
        break;
    }
  });
  return m;
}
