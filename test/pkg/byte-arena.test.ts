import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteArena } from '../../src/pkg/byte-arena.js';

test('ByteArena: copies are exact, independent of their source, and share 64 KiB chunks', () => {
  const a = new ByteArena();
  const src = new Uint8Array([1, 2, 3, 4, 5]);
  const x = a.copy(src);
  const y = a.copy(new Uint8Array([9, 9]));
  src[0] = 7;
  assert.deepEqual([...x], [1, 2, 3, 4, 5]);
  assert.deepEqual([...y], [9, 9]);
  assert.equal(x.buffer, y.buffer, 'small copies share a chunk');
  assert.equal(x.buffer.byteLength, 64 * 1024);
  y[0] = 0;
  assert.deepEqual([...x], [1, 2, 3, 4, 5], 'neighbours do not overlap');
});

test('ByteArena: a full chunk starts a new one; a large array gets its own store', () => {
  const a = new ByteArena();
  const first = a.copy(new Uint8Array(4000).fill(1));
  let last = first;
  for (let i = 0; i < 16; i++) last = a.copy(new Uint8Array(4000).fill(i + 2));
  assert.notEqual(last.buffer, first.buffer);
  assert.ok(first.every((b) => b === 1));
  assert.ok(last.every((b) => b === 17));
  const big = a.copy(new Uint8Array(5000).fill(3));
  assert.equal(big.buffer.byteLength, 5000);
  assert.equal(a.copy(new Uint8Array(0)).length, 0);
});
