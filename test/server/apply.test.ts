// Applying committed entries: what a local proposal leaves behind once applied.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyEntries } from '../../src/server/apply.js';
import { encodeRequest } from '../../src/server/etcdserverpb.js';
import { newRequest } from '../../src/store/request.js';
import { normal, sink, state } from './apply-fixtures.js';

test('apply: a local proposal is applied from its request, which is then let go', () => {
  const st = state();
  const put = newRequest('PUT', '/1/k');
  put.val = 'v';
  put.id = 'a1';
  const data = encodeRequest(put);
  // The kept request, not the bytes, is what gets applied (a decode would not give `local`).
  const local = { ...put, val: 'from the kept request' };
  st.localRequests.set(data, local);
  const calls: string[] = [];
  applyEntries(st, sink(calls), [normal(1, data)], 0, 0);
  assert.deepEqual(calls, ['trigger a1']);
  assert.equal(st.store.get('/1/k', false, false, 0).node.value, 'from the kept request');
  // The raft log keeps `data` until a compaction; the request (and its value) must not
  // live as long: nothing reads it again.
  assert.equal(st.localRequests.has(data), false);
});
