// The store's snapshot is etcd 2.0's own JSON: a snapshot written by Go etcd 2.0.13
// (test/fixtures/go-2.0.13-store, made by its make.sh) loads, and saves back byte for byte.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { streamGoJSON } from '../../src/store/go-json.js';
import { NO_TTL, Store } from '../../src/store/store.js';

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

test('a snapshot is read whatever its field order, white space and escapes (Go reads it so)', () => {
  const s = new Store(undefined, undefined, NS);
  const text = Buffer.from(s.save()).toString('utf8');
  const go = JSON.parse(text);
  // A reordered, indented document with an escaped key and value and an unknown field.
  go.Root.Children['1'].Children = {
    'k\u00e9y': {
      Children: null,
      Value: 'a "quoted" <value> \u2028 😀',
      Unknown: [1, { x: null }],
      ModifiedIndex: 9,
      CreatedIndex: 8,
      ExpireTime: '0001-01-01T00:00:00Z',
      Path: '/1/k\u00e9y',
    },
    d: {
      Path: '/1/d',
      CreatedIndex: 7,
      ModifiedIndex: 7,
      Children: {},
    },
  };
  const reordered = JSON.stringify(
    { CurrentVersion: go.CurrentVersion, Stats: go.Stats, Root: go.Root, ...go },
    null,
    2,
  ).replace('"k\u00e9y"', '"k\\u00e9y"');
  const r = Store.restore(Buffer.from(reordered, 'utf8'), NS);
  const key = r.find('/1/k\u00e9y')!;
  assert.equal(key.value, 'a "quoted" <value> \u2028 😀');
  assert.equal(key.createdIndex, 8);
  assert.equal(key.modifiedIndex, 9);
  assert.equal(r.find('/1/d')!.isDir(), true);
  // Children come back in creation order, as the API lists them.
  assert.deepEqual(
    [...r.find('/1')!.children!].map((n) => n.key),
    ['/1/d', '/1/k\u00e9y'],
  );
});

test('a malformed node is refused with what is wrong and where', () => {
  const text = Buffer.from(new Store(undefined, undefined, NS).save()).toString('utf8');
  const restore = (t: string) => () => Store.restore(Buffer.from(t, 'utf8'), NS);
  assert.throws(restore(text.replace('"Path":"/1"', '"Path":1')), /has no Path/);
  assert.throws(restore(text.replace('"CreatedIndex":0', '"CreatedIndex":-3')), /bad index/);
  assert.throws(restore(text.replace('"CreatedIndex":0', '"CreatedIndex":"0"')), /bad index/);
  assert.throws(restore(text.replace('"Value":""', '"Value":7')), /Value of .* is not a string/);
  assert.throws(
    restore(text.replace('"Children":{', '"Children":[')),
    /Children of \/ is not an object/,
  );
  assert.throws(
    restore(text.replace('"Root":{"Path":"/"', '"Root":{"Path":"/x"')),
    /Root is not the directory/,
  );
  assert.throws(restore(`${text} x`), /not JSON \(unexpected data after the value at byte offset/);
  assert.throws(
    restore(text.replace('"ACL":""', '"ACL":"\\q"')),
    /not JSON \(bad escape at byte offset/,
  );
});

test('streamed in chunks, the snapshot is the same bytes as save() gives at once', () => {
  const s = Store.restore(goJSON, NS);
  // A value larger than a chunk makes the writer grow its buffer between hand-outs.
  s.set('/1/big', false, 'é'.repeat(40_000), NO_TTL, 0);
  for (let i = 0; i < 300; i++) s.set(`/1/dir/k${i}`, false, `v${i}`, NO_TTL, 0);
  const want = Buffer.from(s.save());
  for (const chunkSize of [1 << 20, 4096, 100]) {
    const parts: Buffer[] = [];
    let n = 0;
    streamGoJSON(
      s,
      (c) => {
        n++;
        parts.push(Buffer.from(c)); // a copy: the view is reused after the call
      },
      chunkSize,
    );
    assert.deepEqual(Buffer.concat(parts), want, `chunks of ${chunkSize}`);
    if (chunkSize < want.length) assert.ok(n > 1, `several chunks of ${chunkSize}`);
  }
  const viaStore: Buffer[] = [];
  s.saveTo((c) => viaStore.push(Buffer.from(c)));
  assert.deepEqual(Buffer.concat(viaStore), want);
});

test("children are saved in Go's order, their names' UTF-8 bytes, whatever their creation order", () => {
  const s = new Store(undefined, undefined, NS);
  // UTF-16 would put U+10000 (a surrogate pair) before U+FFFF; Go's bytes put it after.
  const names = ['é', 'a0', '\u{10000}', 'b', 'a', '\uffff', 'a-', 'B'];
  for (const n of names) s.set(`/1/d/${n}`, false, n, NO_TTL, 0);
  const saved = Buffer.from(s.save()).toString('utf8');
  const order = [...saved.matchAll(/"Path":"\/1\/d\/([^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(order, ['B', 'a', 'a-', 'a0', 'b', 'é', '\uffff', '\u{10000}']);
  const sorted = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
  assert.deepEqual(order, sorted);
});
