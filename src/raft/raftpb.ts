// etcd's raftpb messages in protobuf, byte for byte as Go etcd 2.0.13's gogoproto Marshal
// writes them: fields in number order, every non-nullable scalar and bytes field written
// even when zero or empty. Decoding accepts any field order and skips unknown fields, as
// gogoproto does. Node IDs (and a ConfChange's ID) are uint64 on the wire and hex strings
// in src/raft/types.ts.
//
// Beyond 2.0.13: message types 10..18 take the numbers later etcd gave them, a Message's
// context is field 12 and a ConfState's learners field 2 (both written only when non-empty,
// so what 2.0.13 knows is encoded exactly as it encodes it).
import {
  bytesFieldSize,
  encodeSized,
  hexVarintSize,
  ProtoError,
  ProtoReader,
  ProtoWriter,
  varintSize,
} from '../pkg/protobuf.js';
import { MessageCodec } from '../pkg/protobuf-schema.js';
import {
  type ConfChange,
  type ConfChangeType,
  type ConfState,
  EMPTY_BYTES,
  type Entry,
  type EntryType,
  type HardState,
  type Message,
  type MessageType,
  NONE,
  newMessage,
  type Snapshot,
  type SnapshotMetadata,
} from './types.js';

/** Highest message type we know (MsgPreVoteResp). */
export const MAX_MESSAGE_TYPE = 18;

// Each message is sized first, then written into a buffer of exactly that size.
export const encodeEntry = (e: Entry) => encodeSized(e, entrySize, writeEntry);
export const encodeHardState = (h: HardState) => encodeSized(h, hardStateSize, writeHardState);
export const encodeSnapshot = (s: Snapshot) => encodeSized(s, snapshotSize, writeSnapshot);
export const encodeConfChange = (c: ConfChange) => encodeSized(c, confChangeSize, writeConfChange);
export const encodeMessage = (m: Message) => encodeSized(m, messageSize, writeMessage);

// ---- Entry --------------------------------------------------------------------------

export function entrySize(e: Entry): number {
  return (
    1 +
    varintSize(e.type) +
    1 +
    varintSize(e.term) +
    1 +
    varintSize(e.index) +
    1 +
    bytesFieldSize(e.data.length)
  );
}

export function writeEntry(w: ProtoWriter, e: Entry): void {
  w.key(0x08).varint(e.type);
  w.key(0x10).varint(e.term);
  w.key(0x18).varint(e.index);
  w.key(0x22).bytes(e.data);
}

/** Decodes an Entry; its data is a view into `b` (copy it to keep it past `b`). */
export function decodeEntry(b: Uint8Array): Entry {
  return readEntry(new ProtoReader(b));
}

export function readEntry(r: ProtoReader): Entry {
  const e: Entry = { type: 0 as EntryType, term: 0, index: 0, data: EMPTY_BYTES };
  while (!r.done) {
    const t = r.tag();
    if (t === 0x08) e.type = r.varint();
    else if (t === 0x10) e.term = r.varint();
    else if (t === 0x18) e.index = r.varint();
    else if (t === 0x22) e.data = r.bytes();
    else r.skipUnknown(t, 4);
  }
  if (e.type > 1) throw new ProtoError(`unknown entry type ${e.type}`);
  return e;
}

// ---- HardState ----------------------------------------------------------------------

export function hardStateSize(h: HardState): number {
  return 3 + varintSize(h.term) + hexVarintSize(h.vote) + varintSize(h.commit);
}

export function writeHardState(w: ProtoWriter, h: HardState): void {
  w.key(0x08).varint(h.term);
  w.key(0x10).hexVarint(h.vote);
  w.key(0x18).varint(h.commit);
}

export function decodeHardState(b: Uint8Array): HardState {
  const r = new ProtoReader(b);
  const h: HardState = { term: 0, vote: '', commit: 0 };
  while (!r.done) {
    const t = r.tag();
    if (t === 0x08) h.term = r.varint();
    else if (t === 0x10) h.vote = r.hexVarint();
    else if (t === 0x18) h.commit = r.varint();
    else r.skipUnknown(t, 3);
  }
  return h;
}

// ---- ConfState, SnapshotMetadata, Snapshot --------------------------------------------

export function confStateSize(c: ConfState): number {
  let n = 0;
  for (const id of c.voters) n += 1 + hexVarintSize(id);
  for (const id of c.learners) n += 1 + hexVarintSize(id);
  return n;
}

export function writeConfState(w: ProtoWriter, c: ConfState): void {
  for (const id of c.voters) w.key(0x08).hexVarint(id);
  for (const id of c.learners) w.key(0x10).hexVarint(id);
}

export function readConfState(r: ProtoReader): ConfState {
  const c: ConfState = { voters: [], learners: [] };
  while (!r.done) {
    const t = r.tag();
    if (t === 0x08) c.voters.push(r.hexVarint());
    else if (t === 0x10) c.learners.push(r.hexVarint());
    else if (t === 0x0a || t === 0x12) {
      // Packed form (proto3 writers): a run of varints.
      const s = r.sub();
      const into = t === 0x0a ? c.voters : c.learners;
      while (!s.done) into.push(s.hexVarint());
    } else r.skipUnknown(t, 1);
  }
  return c;
}

export function snapshotMetadataSize(m: SnapshotMetadata): number {
  return (
    1 + bytesFieldSize(confStateSize(m.confState)) + 2 + varintSize(m.index) + varintSize(m.term)
  );
}

export function writeSnapshotMetadata(w: ProtoWriter, m: SnapshotMetadata): void {
  w.key(0x0a).varint(confStateSize(m.confState));
  writeConfState(w, m.confState);
  w.key(0x10).varint(m.index);
  w.key(0x18).varint(m.term);
}

export function readSnapshotMetadata(r: ProtoReader): SnapshotMetadata {
  const m: SnapshotMetadata = { confState: { voters: [], learners: [] }, index: 0, term: 0 };
  while (!r.done) {
    const t = r.tag();
    if (t === 0x0a) m.confState = readConfState(r.sub());
    else if (t === 0x10) m.index = r.varint();
    else if (t === 0x18) m.term = r.varint();
    else r.skipUnknown(t, 3);
  }
  return m;
}

export function snapshotSize(s: Snapshot): number {
  return 1 + bytesFieldSize(s.data.length) + 1 + bytesFieldSize(snapshotMetadataSize(s.metadata));
}

export function writeSnapshot(w: ProtoWriter, s: Snapshot): void {
  w.key(0x0a).bytes(s.data);
  w.key(0x12).varint(snapshotMetadataSize(s.metadata));
  writeSnapshotMetadata(w, s.metadata);
}

/**
 * The encoding of `s` as three parts, head ++ s.data ++ tail, with the data not copied: a
 * store snapshot is tens of megabytes, and a second copy of it is pure garbage.
 */
export function encodeSnapshotParts(s: Snapshot): [Uint8Array, Uint8Array, Uint8Array] {
  return [snapshotDataHead(s.data.length), s.data, snapshotMetadataField(s.metadata)];
}

/** What comes before a Snapshot's data: the data field's tag and length. */
export function snapshotDataHead(dataLen: number): Uint8Array {
  const w = new ProtoWriter(1 + varintSize(dataLen));
  w.key(0x0a).varint(dataLen);
  return w.result();
}

/** What comes after a Snapshot's data: its metadata field. */
export function snapshotMetadataField(m: SnapshotMetadata): Uint8Array {
  const size = snapshotMetadataSize(m);
  const w = new ProtoWriter(1 + varintSize(size) + size);
  w.key(0x12).varint(size);
  writeSnapshotMetadata(w, m);
  return w.result();
}

/** Decodes a Snapshot; its data is a view into `b`. */
export function decodeSnapshot(b: Uint8Array): Snapshot {
  return readSnapshot(new ProtoReader(b));
}

export function readSnapshot(r: ProtoReader): Snapshot {
  let data: Uint8Array = EMPTY_BYTES;
  let metadata: SnapshotMetadata = {
    confState: { voters: [], learners: [] },
    index: 0,
    term: 0,
  };
  while (!r.done) {
    const t = r.tag();
    if (t === 0x0a) data = r.bytes();
    else if (t === 0x12) metadata = readSnapshotMetadata(r.sub());
    else r.skipUnknown(t, 2);
  }
  return { data, metadata };
}

// ---- ConfChange ---------------------------------------------------------------------

export function confChangeSize(c: ConfChange): number {
  return (
    3 +
    hexVarintSize(c.id) +
    varintSize(c.type) +
    hexVarintSize(c.nodeId) +
    1 +
    bytesFieldSize(c.context.length)
  );
}

function writeConfChange(w: ProtoWriter, c: ConfChange): void {
  w.key(0x08).hexVarint(c.id);
  w.key(0x10).varint(c.type);
  w.key(0x18).hexVarint(c.nodeId);
  w.key(0x22).bytes(c.context);
}

/** Decodes a ConfChange; its context is a view into `b`. */
export function decodeConfChange(b: Uint8Array): ConfChange {
  const r = new ProtoReader(b);
  const c: ConfChange = { id: '', type: 0 as ConfChangeType, nodeId: '', context: EMPTY_BYTES };
  while (!r.done) {
    const t = r.tag();
    if (t === 0x08) c.id = r.hexVarint();
    else if (t === 0x10) c.type = r.varint() as ConfChangeType;
    else if (t === 0x18) c.nodeId = r.hexVarint();
    else if (t === 0x22) c.context = r.bytes();
    else r.skipUnknown(t, 4);
  }
  if (c.type > 3) throw new ProtoError(`unknown conf change type ${c.type}`);
  return c;
}

// ---- Message ------------------------------------------------------------------------

const EMPTY_SNAPSHOT: Snapshot = {
  data: EMPTY_BYTES,
  metadata: { confState: { voters: [], learners: [] }, index: 0, term: 0 },
};

/** A Message's fields; context (12) is written only when non-empty, so 2.0.13 never sees it. */
const MESSAGE = new MessageCodec<Message>({
  uint: { 1: 'type', 4: 'term', 5: 'logTerm', 6: 'index', 8: 'commit', 11: 'rejectHint' },
  hexId: { 2: 'to', 3: 'from' },
  messages: { 7: ['entries', { size: entrySize, write: writeEntry }] },
  message: { 9: ['snapshot', { size: snapshotSize, write: writeSnapshot, empty: EMPTY_SNAPSHOT }] },
  bool: { 10: 'reject' },
  optionalBytes: { 12: 'context' },
});

export const messageSize = MESSAGE.size;
export const writeMessage = MESSAGE.write;

/** A Message's empty snapshot (index 0, no data) is null in our raft types. */
function nullIfEmpty(s: Snapshot): Snapshot | null {
  return s.metadata.index === 0 && s.data.length === 0 ? null : s;
}

/** Decodes a Message; entry data, snapshot data and context are views into `b`. */
export function decodeMessage(b: Uint8Array): Message {
  const r = new ProtoReader(b);
  const m = newMessage(0 as MessageType, NONE, NONE, 0);
  while (!r.done) {
    const t = r.tag();
    if (t === 0x08) m.type = r.varint() as MessageType;
    else if (t === 0x10) m.to = r.hexVarint();
    else if (t === 0x18) m.from = r.hexVarint();
    else if (t === 0x20) m.term = r.varint();
    else if (t === 0x28) m.logTerm = r.varint();
    else if (t === 0x30) m.index = r.varint();
    else if (t === 0x3a) m.entries.push(readEntry(r.sub()));
    else if (t === 0x40) m.commit = r.varint();
    else if (t === 0x4a) m.snapshot = nullIfEmpty(readSnapshot(r.sub()));
    else if (t === 0x50) m.reject = r.bool();
    else if (t === 0x58) m.rejectHint = r.varint();
    else if (t === 0x62) m.context = r.bytes();
    else r.skipUnknown(t, 12);
  }
  if (m.type > MAX_MESSAGE_TYPE) throw new ProtoError(`unknown message type ${m.type}`);
  return m;
}
