// raftpb against the bytes etcd 2.0.13's own gogoproto code produced for the same values
// (test/fixtures/go-2.0.13/codec.txt, made by make-codec-fixtures.sh from gen/main.go,
// which builds the same samples as below), plus round trips and malformed input.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { ProtoError } from '../../src/pkg/protobuf.js';
import {
  decodeConfChange,
  decodeEntry,
  decodeHardState,
  decodeMessage,
  decodeSnapshot,
  encodeConfChange,
  encodeEntry,
  encodeHardState,
  encodeMessage,
  encodeSnapshot,
  encodeSnapshotParts,
  readConfState,
  writeConfState,
} from '../../src/raft/raftpb.js';
import {
  type ConfChange,
  ConfChangeType,
  EMPTY_BYTES,
  type Entry,
  EntryType,
  type Message,
  MessageType,
  newMessage,
  type Snapshot,
} from '../../src/raft/types.js';
import { ProtoReader, ProtoWriter } from '../../src/pkg/protobuf.js';
import { fixturePath } from '../helpers/fixtures.js';

const SEED = process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {};

export function goFixtures(): Map<string, Uint8Array> {
  const m = new Map<string, Uint8Array>();
  for (const line of readFileSync(fixturePath('go-2.0.13', 'codec.txt'), 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const [name, hex] = line.split(' ');
    m.set(name!, Buffer.from(hex ?? '', 'hex'));
  }
  return m;
}

/** The same bytes as gen/main.go's data(n, seed). */
function data(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (seed + i * 131) & 0xff;
  return b;
}

const BIG = '8e9e05c52164694d';
const MAX = 'ffffffffffffffff';
const GO = goFixtures();

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** Plain data for deepEqual: bytes as hex, no null prototypes. */
function norm(v: unknown): unknown {
  if (v instanceof Uint8Array) return `hex:${hex(v)}`;
  if (Array.isArray(v)) return v.map(norm);
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = norm(x);
    return o;
  }
  return v;
}

function same(name: string, ours: Uint8Array): void {
  const go = GO.get(name);
  assert.ok(go, `fixture ${name} missing`);
  assert.equal(hex(ours), hex(go), name);
}

function msg(fields: Partial<Message> & { type: MessageType }): Message {
  return { ...newMessage(fields.type, '', '', 0), ...fields };
}

const ENTRIES: [string, Entry][] = [
  ['entry-empty', { type: EntryType.Normal, term: 0, index: 0, data: EMPTY_BYTES }],
  ['entry-normal', { type: EntryType.Normal, term: 3, index: 70000, data: data(20, 1) }],
  [
    'entry-conf',
    { type: EntryType.ConfChange, term: 2 ** 40, index: 2 ** 53 - 1, data: data(300, 7) },
  ],
];

const SNAP: Snapshot = {
  data: data(1000, 3),
  metadata: { confState: { voters: [BIG, '1234'], learners: [] }, index: 999, term: 4 },
};

const CONF_CHANGES: [string, ConfChange][] = [
  [
    'confchange-add',
    {
      id: '1d0e5f3c2b4a6978',
      type: ConfChangeType.AddNode,
      nodeId: BIG,
      context: new TextEncoder().encode(
        '{"id":10276657743932975437,"peerURLs":["http://localhost:2380"],"name":"","clientURLs":[]}',
      ),
    },
  ],
  [
    'confchange-remove',
    { id: '7', type: ConfChangeType.RemoveNode, nodeId: MAX, context: EMPTY_BYTES },
  ],
  [
    'confchange-update',
    { id: MAX, type: ConfChangeType.UpdateNode, nodeId: '2', context: EMPTY_BYTES },
  ],
];

const MESSAGES: [string, Message][] = [
  ['message-empty', msg({ type: MessageType.Hup })],
  [
    'message-app',
    msg({
      type: MessageType.App,
      to: BIG,
      from: MAX,
      term: 9,
      logTerm: 8,
      index: 1000,
      commit: 999,
      entries: [
        { type: EntryType.Normal, term: 9, index: 1001, data: data(5, 2) },
        { type: EntryType.ConfChange, term: 9, index: 1002, data: EMPTY_BYTES },
      ],
    }),
  ],
  [
    'message-appresp-reject',
    msg({
      type: MessageType.AppResp,
      to: '1',
      from: '2',
      term: 9,
      index: 77,
      reject: true,
      rejectHint: 80,
    }),
  ],
  [
    'message-heartbeat',
    msg({ type: MessageType.Heartbeat, to: '3', from: BIG, term: 2, commit: 12 }),
  ],
  [
    'message-vote',
    msg({ type: MessageType.Vote, to: '3', from: '4', term: 2, logTerm: 1, index: 40 }),
  ],
  [
    'message-snap',
    msg({
      type: MessageType.Snap,
      to: '3',
      from: '4',
      term: 2,
      snapshot: {
        data: data(50, 9),
        metadata: { confState: { voters: ['3', '4'], learners: [] }, index: 600, term: 2 },
      },
    }),
  ],
];

test('raftpb encodes exactly as etcd 2.0.13 and decodes what it wrote', () => {
  for (const [name, e] of ENTRIES) {
    same(name, encodeEntry(e));
    assert.deepEqual(norm(decodeEntry(GO.get(name)!)), norm(e));
  }
  const hs = [
    ['hardstate-zero', { term: 0, vote: '', commit: 0 }],
    ['hardstate', { term: 5, vote: BIG, commit: 123456 }],
    ['hardstate-maxvote', { term: 1, vote: MAX, commit: 1 }],
  ] as const;
  for (const [name, h] of hs) {
    same(name, encodeHardState(h));
    assert.deepEqual(decodeHardState(GO.get(name)!), h);
  }
  const w = new ProtoWriter();
  const cs = { voters: ['1', BIG, MAX], learners: [] };
  writeConfState(w, cs);
  same('confstate', w.finish());
  assert.deepEqual(readConfState(new ProtoReader(GO.get('confstate')!)), cs);
  const empty: Snapshot = {
    data: EMPTY_BYTES,
    metadata: { confState: { voters: [], learners: [] }, index: 0, term: 0 },
  };
  same('snapshot-empty', encodeSnapshot(empty));
  same('snapshot', encodeSnapshot(SNAP));
  // The parts the snapshotter writes without copying the data are the same bytes.
  same('snapshot', Buffer.concat(encodeSnapshotParts(SNAP)));
  same('snapshot-empty', Buffer.concat(encodeSnapshotParts(empty)));
  const back = decodeSnapshot(GO.get('snapshot')!);
  assert.deepEqual({ ...back, data: hex(back.data) }, { ...SNAP, data: hex(SNAP.data) });
  for (const [name, c] of CONF_CHANGES) {
    same(name, encodeConfChange(c));
    const d = decodeConfChange(GO.get(name)!);
    assert.deepEqual({ ...d, context: hex(d.context) }, { ...c, context: hex(c.context) });
  }
  for (const [name, m] of MESSAGES) {
    same(name, encodeMessage(m));
    const d = decodeMessage(GO.get(name)!);
    assert.equal(hex(encodeMessage(d)), hex(GO.get(name)!), `${name} re-encoded`);
    assert.equal(d.type, m.type);
    assert.equal(d.to, m.to);
    assert.equal(d.from, m.from);
    assert.equal(d.entries.length, m.entries.length);
    assert.equal(d.snapshot === null, m.snapshot === null);
  }
});

test('message context (field 12) is written only when set and read back', () => {
  const m = msg({ type: MessageType.ReadIndex, to: '1', from: '2', context: data(9, 1) });
  const b = encodeMessage(m);
  const without = encodeMessage({ ...m, context: EMPTY_BYTES });
  assert.equal(b.length, without.length + 2 + 9);
  assert.equal(hex(decodeMessage(b).context), hex(m.context));
  assert.equal(decodeMessage(without).context.length, 0);
});

const idArb = fc.oneof(
  fc.constant(''),
  fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }).map((v) => v.toString(16)),
);
const numArb = fc.oneof(fc.nat(1000), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
const bytesArb = fc.uint8Array({ maxLength: 64 });
const entryArb: fc.Arbitrary<Entry> = fc.record({
  type: fc.constantFrom(EntryType.Normal, EntryType.ConfChange),
  term: numArb,
  index: numArb,
  data: bytesArb,
});

test('round trips: any message, entry, hard state, conf change', () => {
  const messageArb: fc.Arbitrary<Message> = fc.record({
    type: fc.integer({ min: 0, max: 18 }) as fc.Arbitrary<MessageType>,
    to: idArb,
    from: idArb,
    term: numArb,
    logTerm: numArb,
    index: numArb,
    entries: fc.array(entryArb, { maxLength: 4 }),
    commit: numArb,
    snapshot: fc.option(
      fc.record({
        data: bytesArb.filter((b) => b.length > 0),
        metadata: fc.record({
          confState: fc.record({
            voters: fc.array(
              idArb.filter((i) => i !== ''),
              { maxLength: 3 },
            ),
            learners: fc.array(
              idArb.filter((i) => i !== ''),
              { maxLength: 2 },
            ),
          }),
          index: numArb,
          term: numArb,
        }),
      }),
      { nil: null },
    ),
    reject: fc.boolean(),
    rejectHint: numArb,
    context: bytesArb,
  });
  fc.assert(
    fc.property(messageArb, (m) => {
      assert.deepEqual(norm(decodeMessage(encodeMessage(m))), norm(m));
    }),
    { numRuns: 500, ...SEED },
  );
  fc.assert(
    fc.property(numArb, idArb, numArb, (term, vote, commit) => {
      assert.deepEqual(decodeHardState(encodeHardState({ term, vote, commit })), {
        term,
        vote,
        commit,
      });
    }),
    { numRuns: 300, ...SEED },
  );
  fc.assert(
    fc.property(
      idArb,
      fc.integer({ min: 0, max: 3 }),
      idArb,
      bytesArb,
      (id, type, nodeId, context) => {
        const c = { id, type: type as ConfChangeType, nodeId, context };
        assert.deepEqual(norm(decodeConfChange(encodeConfChange(c))), norm(c));
      },
    ),
    { numRuns: 300, ...SEED },
  );
});

test('truncated or garbage input throws a ProtoError, never anything else', () => {
  const m = encodeMessage(MESSAGES[1]![1]);
  for (let cut = 1; cut < m.length; cut++) {
    // A cut inside a field must throw; a cut between fields decodes a shorter message.
    try {
      decodeMessage(m.subarray(0, cut));
    } catch (e) {
      assert.ok(e instanceof ProtoError, `cut at ${cut}: ${e}`);
    }
  }
  assert.throws(() => decodeMessage(m.subarray(0, 3)), ProtoError);
  // A length far past the end is refused without allocating it.
  assert.throws(
    () => decodeEntry(Uint8Array.from([0x22, 0xff, 0xff, 0xff, 0xff, 0x0f])),
    ProtoError,
  );
  // An 11-byte varint, an overflowing 10th byte, a number past 2^53, field number 0.
  assert.throws(
    () => decodeHardState(Uint8Array.from([0x10, ...Array(10).fill(0xff), 0x01])),
    ProtoError,
  );
  assert.throws(
    () => decodeHardState(Uint8Array.from([0x10, ...Array(9).fill(0xff), 0x02])),
    ProtoError,
  );
  assert.throws(
    () => decodeHardState(Uint8Array.from([0x08, ...Array(7).fill(0xff), 0x10])),
    ProtoError,
  );
  assert.throws(() => decodeHardState(Uint8Array.from([0x00, 0x01])), ProtoError);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      for (const f of [
        decodeMessage,
        decodeEntry,
        decodeSnapshot,
        decodeConfChange,
        decodeHardState,
      ]) {
        try {
          f(b);
        } catch (e) {
          assert.ok(e instanceof ProtoError, `${f.name}: ${e}`);
        }
      }
    }),
    { numRuns: 2000, ...SEED },
  );
});
