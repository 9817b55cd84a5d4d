import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PooledBytes } from '../../src/pkg/pooled-bytes.js';

test('text put in pieces reads back whole, past the first size, multi-byte too', () => {
  const b = new PooledBytes(16, 4);
  const parts = ['{"a":', '"é✓😀"', ',', 'x'.repeat(200_000), '\ud800', '}'];
  for (const p of parts) b.put(p);
  const whole = parts.join('');
  assert.equal(b.text(), Buffer.from(whole).toString());
  assert.equal(b.bodyLength, Buffer.byteLength(whole));
  const sent = b.prepend('HEAD\r\n');
  assert.ok(sent !== null);
  assert.equal(sent.toString(), `HEAD\r\n${Buffer.from(whole).toString()}`);
  b.release();
  b.release();
});

test('a head longer than the headroom is refused; a released buffer is used again', () => {
  const a = new PooledBytes(4, 100);
  a.put('body');
  assert.equal(a.prepend('12345'), null);
  const first = a.prepend('1234')!.buffer;
  a.release();
  const b = new PooledBytes(4, 100);
  b.put('next');
  assert.equal(b.prepend('abcd')!.buffer, first);
  assert.equal(b.prepend('abcd')!.toString(), 'abcdnext');
  b.release();
});
