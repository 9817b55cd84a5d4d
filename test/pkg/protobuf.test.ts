// The protobuf primitives against a BigInt reference: 64-bit varints through hex strings,
// sizes, skipping unknown fields, and strict bounds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  hexVarintSize,
  ProtoError,
  ProtoReader,
  ProtoWriter,
  varintSize,
} from '../../src/pkg/protobuf.js';

const SEED = process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {};

function refVarint(v: bigint): number[] {
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

test('64-bit ids: hex <-> varint as the BigInt reference, every bit length', () => {
  const values: bigint[] = [
    0n,
    1n,
    127n,
    128n,
    2n ** 32n - 1n,
    2n ** 32n,
    2n ** 63n,
    2n ** 64n - 1n,
  ];
  for (let bits = 1; bits <= 64; bits++)
    values.push(2n ** BigInt(bits) - 1n, 2n ** BigInt(bits - 1));
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (v) => {
      values.push(v);
      return true;
    }),
    { numRuns: 2000, ...SEED },
  );
  for (const v of values) {
    const hex = v === 0n ? '' : v.toString(16);
    const w = new ProtoWriter(1);
    w.hexVarint(hex);
    const ref = refVarint(v);
    assert.deepEqual([...w.finish()], ref, hex);
    assert.equal(hexVarintSize(hex), ref.length, hex);
    assert.equal(new ProtoReader(Uint8Array.from(ref)).hexVarint(), hex);
    if (v < 2n ** 53n) {
      const n = Number(v);
      const w2 = new ProtoWriter(1);
      w2.varint(n);
      assert.deepEqual([...w2.finish()], ref);
      assert.equal(varintSize(n), ref.length);
      assert.equal(new ProtoReader(Uint8Array.from(ref)).varint(), n);
    } else {
      assert.throws(() => new ProtoReader(Uint8Array.from(ref)).varint(), ProtoError);
    }
  }
  // Upper-case and zero-padded hex are the same id; anything else is refused.
  const w = new ProtoWriter();
  w.hexVarint('00000000000000AB');
  assert.deepEqual([...w.finish()], refVarint(0xabn));
  assert.throws(() => new ProtoWriter().hexVarint('10000000000000000'), ProtoError);
  assert.throws(() => new ProtoWriter().hexVarint('xyz'), ProtoError);
});

test('unknown fields of every wire type are skipped; bounds are strict', () => {
  const b = Uint8Array.from([
    0x08,
    0x96,
    0x01, // 1: varint 150
    0x11,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8, // 2: fixed64
    0x1a,
    0x02,
    9,
    9, // 3: bytes
    0x25,
    1,
    2,
    3,
    4, // 4: fixed32
    0x2b,
    0x08,
    0x01,
    0x2c, // 5: group holding a varint
    0x30,
    0x07, // 6: varint 7
  ]);
  const r = new ProtoReader(b);
  assert.equal(r.tag(), 0x08);
  assert.equal(r.varint(), 150);
  for (let k = 0; k < 4; k++) {
    const t = r.tag();
    r.skip(t & 7);
  }
  assert.equal(r.tag(), 0x30);
  assert.equal(r.varint(), 7);
  assert.ok(r.done);
  const boundaries = new Set([3, 12, 16, 21, 25]);
  for (let cut = 1; cut < b.length; cut++) {
    const rr = new ProtoReader(b.subarray(0, cut));
    const read = (): void => {
      while (!rr.done) rr.skip(rr.tag() & 7);
    };
    if (boundaries.has(cut)) read();
    else assert.throws(read, ProtoError, `cut at ${cut}`);
  }
  assert.throws(() => new ProtoReader(Uint8Array.from([0x0f])).skip(7), ProtoError);
});
