// The store's snapshot is etcd 2.0's own JSON: a snapshot written by Go etcd 2.0.13
// (test/fixtures/go-2.0.13-store, made by its make.sh) loads, and saves back byte for byte.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Store } from '../../src/store/store.js';

const FIXTURE = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'test',
  'fixtures',
  'go-2.0.13-store',
);
const goJSON = readFileSync(join(FIXTURE, 'store.data'));
const NS = ['/0', '/1'];

test("Go's snapshot loads and saves back byte for byte", () => {
  const s = Store.restore(goJSON, NS);
  assert.equal(Buffer.from(s.save()).toString('utf8'), goJSON.toString('utf8'));
});

test("Go's snapshot loads with every node, index, TTL to the ns, and the history", () => {
  const s = Store.restore(goJSON, NS);
  const go = JSON.parse(goJSON.toString('utf8'));
  assert.equal(s.index, go.CurrentIndex);
  assert.deepEqual({ ...s.stats }, go.Stats);
  const now = Date.parse(go.Root.Children['1'].Children.t.ExpireTime) - 10_000;
  const t = s.get('/1/t', false, false, now).node;
  assert.equal(t.value, 'ttl');
  assert.equal(t.ttl, 11, '10 s and some ns left: rounds up');
  const [, frac] = /\.(\d+)Z$/.exec(go.Root.Children['1'].Children.t.ExpireTime)!;
  assert.equal((t.expiration % 1000) * 1e6 + t.expirationNs, Number(frac!.padEnd(9, '0')));
  assert.equal(
    s
      .get('/1/q', true, true, now)
      .node.nodes!.map((n) => n.key)
      .join(),
    '/1/q/6,/1/q/7',
  );
  assert.equal(s.get('/1/esc', false, false, now).node.value, '<>&"\u2028é\u0001');
  assert.equal(s.ttlHeap.length, 3, '/1/t, /1/d2 and /1/dttl have TTLs');
  // The history answers watches from its first index.
  const w = s.watch('/1/a', false, false, 1);
  return w.next().then((e) => {
    assert.equal(e!.action, 'set');
    assert.equal(e!.node.modifiedIndex, 3);
  });
});

test('the namespaces are read-only after a restore too', () => {
  const s = Store.restore(goJSON, NS);
  assert.throws(() => s.delete('/1', true, true, 0), /Root is read only/);
  assert.throws(
    () => s.set('/0', true, '', { expireTime: 0, refresh: false }, 0),
    /Root is read only/,
  );
});

test('expiry after a restore follows the ns expiration times Go wrote', () => {
  const s = Store.restore(goJSON, NS);
  const go = JSON.parse(goJSON.toString('utf8'));
  const exp = go.Root.Children['1'].Children.d2.ExpireTime as string;
  const ms = Date.parse(exp);
  const ns = Number(/\.(\d+)Z$/.exec(exp)![1]!.padEnd(9, '0')) % 1_000_000;
  s.deleteExpired(ms, ns - 1);
  assert.notEqual(s.find('/1/d2'), null);
  const ex = s.deleteExpired(ms, ns);
  assert.deepEqual(
    ex.map((e) => e.node.key),
    ['/1/d2'],
  );
  assert.equal(ex[0]!.node.modifiedIndex, go.CurrentIndex + 1);
});
