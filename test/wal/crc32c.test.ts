import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { crc32c, crc32cCombine, crc32cUpdate } from '../../src/pkg/crc32c.js';

/** Bit-at-a-time reference implementation. */
function slow(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

test('crc32c matches the standard check values', () => {
  assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa); // RFC 3720 B.4: 32 zero bytes
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43); // 32 bytes of 0xff
  assert.equal(crc32c(new Uint8Array(0)), 0);
});

test('crc32c equals the bitwise reference on any bytes, offsets and split points', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(40), fc.nat(300), (bytes, pad, split) => {
      // Unaligned views into a larger buffer.
      const backing = new Uint8Array(pad + bytes.length);
      backing.set(bytes, pad);
      const view = backing.subarray(pad);
      const want = slow(bytes);
      assert.equal(crc32c(view), want);
      const s = Math.min(split, view.length);
      assert.equal(crc32cUpdate(crc32c(view, 0, s), view, s), want);
      assert.equal(crc32c(backing, pad, backing.length), want);
    }),
    { numRuns: 300 },
  );
});

test('crc32cCombine gives the CRC of the concatenation from the parts', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (a, b) => {
      const ab = new Uint8Array(a.length + b.length);
      ab.set(a);
      ab.set(b, a.length);
      assert.equal(crc32cCombine(crc32c(a), crc32c(b), b.length), crc32c(ab));
    }),
  );
  // Lengths past 2^31 (a snapshot of gigabytes): with crc(B) = 0 combining is shifting the
  // CRC over len(B) bytes, and shifting by m then n is shifting by m + n.
  const head = crc32c(new TextEncoder().encode('head'));
  for (const [m, n] of [
    [2 ** 31, 1000],
    [2 ** 32 + 7, 2 ** 31 - 1],
  ] as const) {
    assert.equal(crc32cCombine(crc32cCombine(head, 0, m), 0, n), crc32cCombine(head, 0, m + n));
  }
  assert.notEqual(crc32cCombine(head, 0, 2 ** 31), crc32cCombine(head, 0, 2 ** 31 + 1));
});
