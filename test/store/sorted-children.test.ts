// The order a snapshot writes a directory's children in, kept from one snapshot to the next
// and brought up to date, must always be a fresh sort's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { compareKeys } from '../../src/store/event.js';
import { sortedChildren } from '../../src/store/sorted-children.js';
import { Store } from '../../src/store/store.js';

const NOW = 1_700_000_000_000;
const NO_TTL = { expireTime: 0, refresh: false };
// Names where UTF-16 order and Go's (code point) order differ, plain ones, and a prefix pair.
const name = fc.constantFrom(
  'a',
  'b',
  'ab',
  'z1',
  'z10',
  'z2',
  '\ue000',
  '\ud83d\ude00',
  'é',
  '_h',
);

type Op = { kind: 'set' | 'delete' | 'mkdir' | 'snapshot'; name: string };
const op: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('set', 'set', 'delete', 'mkdir', 'snapshot'),
  name,
});

function keys(dirKey: string, s: Store): string[] {
  return sortedChildren(s.nodes.get(dirKey)!, 1).map((n) => n.key);
}

function freshSort(dirKey: string, s: Store): string[] {
  return [...s.nodes.get(dirKey)!.children!].map((n) => n.key).sort(compareKeys);
}

test('a kept order brought up to date equals a fresh sort after any adds, deletes and re-sets', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const s = new Store();
      s.set('/d', true, '', NO_TTL, NOW);
      for (const o of ops) {
        const k = `/d/${o.name}`;
        try {
          if (o.kind === 'set') s.set(k, false, 'v', NO_TTL, NOW);
          else if (o.kind === 'mkdir') s.set(k, true, '', NO_TTL, NOW);
          else if (o.kind === 'delete') s.delete(k, true, true, NOW);
        } catch {
          // A set over a directory, or a delete of a missing key: the store refuses it.
        }
        if (o.kind === 'snapshot') assert.deepEqual(keys('/d', s), freshSort('/d', s));
      }
      assert.deepEqual(keys('/d', s), freshSort('/d', s));
    }),
  );
});

test('a large directory snapshotted again after many adds and deletes keeps Go order', () => {
  const s = new Store();
  s.set('/big', true, '', NO_TTL, NOW);
  const put = (i: number) => s.set(`/big/k${i}`, false, 'v', NO_TTL, NOW);
  for (let i = 0; i < 3000; i += 2) put(i);
  const first = sortedChildren(s.nodes.get('/big')!);
  assert.deepEqual(
    first.map((n) => n.key),
    freshSort('/big', s),
  );
  // Odd keys interleave with the kept ones; every third kept one goes.
  for (let i = 1; i < 3000; i += 2) put(i);
  for (let i = 0; i < 3000; i += 6) s.delete(`/big/k${i}`, false, false, NOW);
  assert.deepEqual(
    sortedChildren(s.nodes.get('/big')!).map((n) => n.key),
    freshSort('/big', s),
  );
  // The newest child removed: the kept order is no longer usable and is made afresh.
  s.delete('/big/k2999', false, false, NOW);
  put(5000);
  assert.deepEqual(
    sortedChildren(s.nodes.get('/big')!).map((n) => n.key),
    freshSort('/big', s),
  );
});
