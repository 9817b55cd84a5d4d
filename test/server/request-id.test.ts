import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeRequest } from '../../src/server/etcdserverpb.js';
import { RequestIdGenerator } from '../../src/server/request-id.js';

test('request IDs as etcd 2.0.13 made them in the fixture log (member d59ef700c4ef4aff)', () => {
  const FIXTURE = join(
    dirname(fileURLToPath(import.meta.url)),
    '..',
    '..',
    '..',
    'test',
    'fixtures',
  );
  const log = JSON.parse(readFileSync(join(FIXTURE, 'go-2.0.13-store', 'entries.json'), 'utf8'));
  const ids: bigint[] = [];
  for (const e of log.entries as { type: number; data: string }[]) {
    const data = Buffer.from(e.data, 'base64');
    if (e.type !== 0 || data.length === 0) continue;
    const id = BigInt(`0x${decodeRequest(data).id}`);
    if (id >> 56n === 0xffn) ids.push(id); // this member's (its ID's low byte is ff)
  }
  assert.ok(ids.length > 20);
  // The start time's low 40 bits, read back from the first ID (the attributes publish).
  const startMs = Number((ids[0]! >> 16n) & ((1n << 40n) - 1n)) + 2 ** 40;
  assert.equal(ids[0]! & 0xffffn, 1n, 'the first ID a member makes');
  const g = new RequestIdGenerator('d59ef700c4ef4aff', startMs);
  // Plain GETs take IDs too (never logged): the logged ones are a rising subsequence.
  let next = BigInt(`0x${g.next()}`);
  for (const id of ids) {
    while (next < id) next = BigInt(`0x${g.next()}`);
    assert.equal(next.toString(16), id.toString(16));
  }
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
