import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ProtoWriter } from '../../src/pkg/protobuf.js';
import { int64Size, MessageCodec, type NestedCodec } from '../../src/pkg/protobuf-schema.js';
import { encodeMessage, messageSize } from '../../src/raft/raftpb.js';
import { type Message, newMessage } from '../../src/raft/types.js';

const SEED = process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {};

interface Inner {
  n: number;
}
interface Outer {
  id: string;
  name: string;
  big: bigint;
  flag: boolean;
  maybe: boolean | null;
  raw: Uint8Array;
  extra: Uint8Array;
  one: Inner | null;
  many: Inner[];
  count: number;
}

const INNER = new MessageCodec<Inner>({ uint: { 1: 'n' } });
const INNER_NESTED: NestedCodec<Inner> = { size: INNER.size, write: INNER.write, empty: { n: 0 } };
// Declared out of number order on purpose: written in number order.
const OUTER = new MessageCodec<Outer>({
  uint: { 10: 'count' },
  messages: { 9: ['many', INNER_NESTED] },
  message: { 8: ['one', INNER_NESTED] },
  optionalBytes: { 7: 'extra' },
  bytes: { 6: 'raw' },
  optionalBool: { 5: 'maybe' },
  bool: { 4: 'flag' },
  int64: { 3: 'big' },
  string: { 2: 'name' },
  hexId: { 1: 'id' },
});

function encode<T>(c: MessageCodec<T>, m: T): Uint8Array {
  const w = new ProtoWriter(1);
  c.write(w, m);
  return w.finish();
}

test('fields go out in number order, zero values included, optional ones only when set', () => {
  const m: Outer = {
    id: 'ff',
    name: 'é',
    big: -1n,
    flag: false,
    maybe: null,
    raw: new Uint8Array(0),
    extra: new Uint8Array(0),
    one: null,
    many: [{ n: 1 }, { n: 300 }],
    count: 0,
  };
  const hex = Buffer.from(encode(OUTER, m)).toString('hex');
  assert.equal(
    hex,
    '08ff01' + // 1: hex ID 0xff
      '1202c3a9' + // 2: "é" in UTF-8
      '18ffffffffffffffffff01' + // 3: int64 -1, ten bytes
      '2000' + // 4: false
      '3200' + // 6: empty bytes (5 and 7 left out)
      '42020800' + // 8: null message as its empty value {n: 0}
      '4a020801' + // 9: first element
      '4a0308ac02' + // 9: second element
      '5000', // 10: 0
  );
  assert.equal(OUTER.size(m), hex.length / 2);
  const set = { ...m, maybe: true, extra: Uint8Array.of(7), one: { n: 2 } };
  const bytes = Buffer.from(encode(OUTER, set)).toString('hex');
  assert.ok(bytes.includes('2000' + '2801' + '3200' + '3a0107' + '42020802'), bytes);
});

test('size is what write writes, for any value', () => {
  const inner = fc.record({ n: fc.maxSafeNat() });
  const outer: fc.Arbitrary<Outer> = fc.record({
    id: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((v) => (v === 0n ? '' : v.toString(16))),
    name: fc.string({ unit: 'grapheme', maxLength: 20 }),
    big: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    flag: fc.boolean(),
    maybe: fc.option(fc.boolean(), { nil: null }),
    raw: fc.uint8Array({ maxLength: 200 }),
    extra: fc.uint8Array({ maxLength: 3 }),
    one: fc.option(inner, { nil: null }),
    many: fc.array(inner, { maxLength: 3 }),
    count: fc.maxSafeNat(),
  });
  fc.assert(
    fc.property(outer, (m) => {
      assert.equal(encode(OUTER, m).length, OUTER.size(m));
    }),
    { numRuns: 500, ...SEED },
  );
  fc.assert(
    fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => {
      const w = new ProtoWriter(1);
      w.int64(v);
      assert.equal(w.pos, int64Size(v));
    }),
    { numRuns: 500, ...SEED },
  );
});

test("raftpb's Message size is its encoding's length", () => {
  const m: Message = {
    ...newMessage(3, 'a1', 'ffffffffffffffff', 7),
    entries: [{ type: 0, term: 7, index: 8, data: Uint8Array.of(1, 2, 3) }],
    context: Uint8Array.of(9),
  };
  assert.equal(encodeMessage(m).length, messageSize(m));
  const bare = { ...m, entries: [], context: new Uint8Array(0), snapshot: null };
  assert.equal(encodeMessage(bare).length, messageSize(bare));
});

test('wire types by field number, and a schema with a repeated number is refused', () => {
  assert.equal(OUTER.wireOf(1), 0);
  assert.equal(OUTER.wireOf(2), 2);
  assert.equal(OUTER.wireOf(9), 2);
  assert.equal(OUTER.wireOf(11), -1);
  type Two = { a: number; b: boolean };
  assert.throws(
    () => new MessageCodec<Two>({ uint: { 1: 'a' }, bool: { 1: 'b' } }),
    /field number 1/,
  );
  assert.throws(() => new MessageCodec<Two>({ uint: { 0: 'a' } }), /field number 0/);
});
