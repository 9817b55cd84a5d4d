import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RequestIdGenerator } from '../../src/server/request-id.js';

test('request IDs as etcd 2.0.13 made them in the fixture log (member d59ef700c4ef4aff)', () => {
  // The low 40 bits of the start time in ms, as read back from Go's first ID.
  const startMs = 696_776_730_326 + 2 ** 40;
  const g = new RequestIdGenerator('d59ef700c4ef4aff', startMs);
  assert.equal(g.next(), 'ffa23b2126d60001'); // entry 3: the attributes publish
  g.next(); // a plain GET also takes an ID in etcd (never logged)
  assert.equal(g.next(), 'ffa23b2126d60003'); // entry 4: PUT /1/a
  assert.equal(g.next(), 'ffa23b2126d60004'); // entry 5: SYNC
});

test('the member prefix is the low byte of the member ID; the counter carries into the time', () => {
  const g = new RequestIdGenerator('2f', 0xffff);
  assert.equal(g.next(), '2f000000ffff0001');
  const h = new RequestIdGenerator('abc', 0);
  for (let i = 0; i < 0xffff; i++) h.next();
  assert.equal(h.next(), 'bc00000000010000');
  // 56 bits of suffix wrap without touching the prefix.
  const w = new RequestIdGenerator('01', 2 ** 40 - 1);
  for (let i = 0; i < 0xffff; i++) w.next();
  assert.equal(w.next(), '100000000000000');
});
