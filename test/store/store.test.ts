import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EtcdError } from '../../src/store/errors.js';
import type { StoreEvent } from '../../src/store/event.js';
import { eventJSON } from '../../src/store/json.js';
import { STAT_FIELDS } from '../../src/store/stats.js';
import { NO_TTL, Store } from '../../src/store/store.js';

const NOW = 1_700_000_000_000;
const ttl = (sec: number) => ({ expireTime: NOW + sec * 1000, refresh: false });

function err(f: () => unknown): EtcdError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof EtcdError, `not an EtcdError: ${e}`);
    return e;
  }
  assert.fail('no error thrown');
}

function expectErr(
  f: () => unknown,
  code: number,
  cause: string,
  index: number,
  status: number,
): void {
  const e = err(f);
  assert.deepEqual(
    { code: e.errorCode, cause: e.cause, index: e.index, status: e.status },
    { code, cause, index, status },
  );
}

const json = (e: StoreEvent) => JSON.parse(eventJSON(e));

describe('get / set', () => {
  test('set creates, then replaces with prevNode; get reads', () => {
    const s = new Store();
    const e1 = s.set('/a', false, 'one', NO_TTL, NOW);
    assert.deepEqual(json(e1), {
      action: 'set',
      node: { key: '/a', value: 'one', modifiedIndex: 1, createdIndex: 1 },
    });
    assert.equal(e1.isCreated(), true);
    const e2 = s.set('/a', false, 'two', NO_TTL, NOW);
    assert.equal(e2.isCreated(), false);
    assert.deepEqual(json(e2).prevNode, {
      key: '/a',
      value: 'one',
      modifiedIndex: 1,
      createdIndex: 1,
    });
    assert.deepEqual(json(s.get('/a', false, false, NOW)).node, {
      key: '/a',
      value: 'two',
      modifiedIndex: 2,
      createdIndex: 2,
    });
    assert.equal(s.index, 2);
  });

  test('paths are cleaned as Go does', () => {
    const s = new Store();
    s.set('a//b/./c/../d/', false, 'v', NO_TTL, NOW);
    assert.equal(s.get('/a/b/d', false, false, NOW).node.value, 'v');
  });

  test('implicit directories, recursive and sorted listing, hidden keys skipped', () => {
    const s = new Store();
    s.set('/d/z', false, '1', NO_TTL, NOW);
    s.set('/d/a/x', false, '2', NO_TTL, NOW);
    s.set('/d/_h', false, '3', NO_TTL, NOW);
    const flat = json(s.get('/d', false, true, NOW)).node;
    assert.deepEqual(
      flat.nodes.map((n: { key: string }) => n.key),
      ['/d/a', '/d/z'],
    );
    assert.equal(flat.nodes[0].nodes, undefined);
    const rec = json(s.get('/d', true, true, NOW)).node;
    assert.deepEqual(rec.nodes[0].nodes, [
      { key: '/d/a/x', value: '2', modifiedIndex: 2, createdIndex: 2 },
    ]);
    assert.equal(s.get('/d/_h', false, false, NOW).node.value, '3');
    assert.deepEqual(json(s.get('/', false, false, NOW)).node, {
      key: '/',
      dir: true,
      nodes: [{ key: '/d', dir: true, modifiedIndex: 1, createdIndex: 1 }],
    });
  });

  test('unsorted listings by createdIndex: a key set again is listed last, after a restore too', () => {
    const s = new Store();
    s.set('/d/a', false, '1', NO_TTL, NOW);
    s.set('/d/b', false, '2', NO_TTL, NOW);
    s.set('/d/a', false, '3', NO_TTL, NOW);
    const keys = (st: Store) => st.get('/d', false, false, NOW).node.nodes!.map((n) => n.key);
    assert.deepEqual(keys(s), ['/d/b', '/d/a']);
    assert.deepEqual(keys(Store.restore(s.save())), ['/d/b', '/d/a']);
  });

  test('errors: 100 names the first missing element, 104 the file in the way, 102 for a dir', () => {
    const s = new Store();
    s.set('/f', false, 'v', NO_TTL, NOW);
    s.set('/d/x', false, 'v', NO_TTL, NOW);
    expectErr(() => s.get('/nope/x/y', false, false, NOW), 100, '/nope', 2, 404);
    expectErr(() => s.get('/f/x/y', false, false, NOW), 104, '/f', 2, 400);
    expectErr(() => s.set('/f/x', false, 'v', NO_TTL, NOW), 104, '/f', 2, 400);
    expectErr(() => s.create('/f/x', false, 'v', false, NO_TTL, NOW), 104, '/f', 2, 400);
    expectErr(() => s.set('/d', false, 'v', NO_TTL, NOW), 102, '/d', 2, 403);
    expectErr(() => s.set('/', false, 'v', NO_TTL, NOW), 107, '/', 2, 400);
    assert.equal(s.index, 2, 'errors change nothing');
  });

  test('set dir=true over a file makes a directory', () => {
    const s = new Store();
    s.set('/f', false, 'v', NO_TTL, NOW);
    const e = json(s.set('/f', true, '', NO_TTL, NOW));
    assert.deepEqual(e.node, { key: '/f', dir: true, modifiedIndex: 2, createdIndex: 2 });
    assert.deepEqual(e.prevNode, { key: '/f', value: 'v', modifiedIndex: 1, createdIndex: 1 });
  });
});

describe('create / update / in-order', () => {
  test('create fails with 105 when present', () => {
    const s = new Store();
    s.create('/a', false, '1', false, NO_TTL, NOW);
    expectErr(() => s.create('/a', false, '2', false, NO_TTL, NOW), 105, '/a', 1, 412);
    expectErr(() => s.create('/', true, '', false, NO_TTL, NOW), 107, '/', 1, 400);
  });

  test('in-order keys are the index under the directory, unpadded as in etcd 2.0', () => {
    const s = new Store();
    s.set('/other', false, 'x', NO_TTL, NOW);
    const e = s.create('/q', false, 'v', true, NO_TTL, NOW);
    assert.equal(e.node.key, '/q/2');
    assert.equal(e.action, 'create');
    assert.equal(s.create('/', false, 'r', true, NO_TTL, NOW).node.key, '/3');
    expectErr(() => s.create('/other', false, 'v', true, NO_TTL, NOW), 104, '/other', 3, 400);
  });

  test('update: 100 when missing, keeps createdIndex, removes TTL when none given', () => {
    const s = new Store();
    expectErr(() => s.update('/a', 'v', NO_TTL, NOW), 100, '/a', 0, 404);
    s.set('/a', false, '1', ttl(10), NOW);
    const e = json(s.update('/a', '2', NO_TTL, NOW));
    assert.deepEqual(e.node, { key: '/a', value: '2', modifiedIndex: 2, createdIndex: 1 });
    assert.equal(e.prevNode.ttl, 10);
    assert.equal(s.ttlHeap.length, 0);
    expectErr(() => s.update('/', '', NO_TTL, NOW), 107, '/', 2, 400);
  });

  test('update of a directory: TTL only, value refused, own modifiedIndex kept (as etcd)', () => {
    const s = new Store();
    s.set('/d/x', false, '1', NO_TTL, NOW);
    expectErr(() => s.update('/d', 'v', NO_TTL, NOW), 102, '/d', 1, 403);
    const e = json(s.update('/d', '', ttl(100), NOW));
    assert.deepEqual(e.node, {
      key: '/d',
      dir: true,
      expiration: new Date(NOW + 100000).toISOString().replace('.000', ''),
      ttl: 100,
      modifiedIndex: 2,
      createdIndex: 1,
    });
    assert.equal(s.get('/d', false, false, NOW).node.modifiedIndex, 1);
  });
});

describe('compare and swap / delete', () => {
  test('causes as etcd writes them', () => {
    const s = new Store();
    s.set('/a', false, 'one', NO_TTL, NOW);
    expectErr(
      () => s.compareAndSwap('/a', 'two', 0, 'x', NO_TTL, NOW),
      101,
      '[two != one]',
      1,
      412,
    );
    expectErr(() => s.compareAndSwap('/a', '', 5, 'x', NO_TTL, NOW), 101, '[5 != 1]', 1, 412);
    expectErr(
      () => s.compareAndSwap('/a', 'two', 5, 'x', NO_TTL, NOW),
      101,
      '[two != one] [5 != 1]',
      1,
      412,
    );
    expectErr(() => s.compareAndSwap('/nope', 'a', 0, 'x', NO_TTL, NOW), 100, '/nope', 1, 404);
    expectErr(() => s.compareAndSwap('/', 'a', 0, 'x', NO_TTL, NOW), 107, '/', 1, 400);
    const e = s.compareAndSwap('/a', 'one', 1, 'two', NO_TTL, NOW);
    assert.equal(e.action, 'compareAndSwap');
    assert.equal(e.node.createdIndex, 1);
    assert.equal(e.node.modifiedIndex, 2);
    assert.equal(e.prevNode!.value, 'one');
  });

  test('compareAndSwap on a directory is 102', () => {
    const s = new Store();
    s.set('/d', true, '', NO_TTL, NOW);
    expectErr(() => s.compareAndSwap('/d', 'a', 0, 'x', NO_TTL, NOW), 102, '/d', 1, 403);
  });

  test('compareAndDelete', () => {
    const s = new Store();
    s.set('/a', false, 'one', NO_TTL, NOW);
    expectErr(() => s.compareAndDelete('/a', 'two', 0, NOW), 101, '[two != one]', 1, 412);
    expectErr(() => s.compareAndDelete('/', 'two', 0, NOW), 102, '/', 1, 403);
    // etcd 2.0 counts a compareAndDelete of a directory as a failed compareAndSwap.
    assert.equal(s.stats.compareAndSwapFail, 1);
    assert.equal(s.stats.compareAndDeleteFail, 1);
    const e = json(s.compareAndDelete('/a', '', 1, NOW));
    assert.deepEqual(e, {
      action: 'compareAndDelete',
      node: { key: '/a', modifiedIndex: 2, createdIndex: 1 },
      prevNode: { key: '/a', value: 'one', modifiedIndex: 1, createdIndex: 1 },
    });
    expectErr(() => s.get('/a', false, false, NOW), 100, '/a', 2, 404);
  });

  test('delete: file, dir needs dir=true, non-empty needs recursive', () => {
    const s = new Store();
    s.set('/d/x', false, '1', NO_TTL, NOW);
    expectErr(() => s.delete('/d', false, false, NOW), 102, '/d', 1, 403);
    expectErr(() => s.delete('/d', true, false, NOW), 108, '/d', 1, 403);
    expectErr(() => s.delete('/', true, true, NOW), 107, '/', 1, 400);
    expectErr(() => s.delete('/zz', false, false, NOW), 100, '/zz', 1, 404);
    assert.deepEqual(json(s.delete('/d/x', true, false, NOW)).node, {
      key: '/d/x',
      modifiedIndex: 2,
      createdIndex: 1,
    });
    assert.equal(s.delete('/d', true, false, NOW).node.dir, true);
    s.set('/e/f/g', false, '1', ttl(5), NOW);
    s.delete('/e', false, true, NOW);
    assert.equal(s.size(), 0);
    assert.equal(s.ttlHeap.length, 0);
  });
});

describe('TTL', () => {
  test('ttl rounds up; expiry only in deleteExpired, inclusive, in order', () => {
    const s = new Store();
    s.set('/a', false, '1', { expireTime: NOW + 1500, refresh: false }, NOW);
    s.set('/b', false, '1', { expireTime: NOW + 1000, refresh: false }, NOW);
    assert.equal(s.get('/a', false, false, NOW).node.ttl, 2);
    assert.equal(s.get('/a', false, false, NOW + 1499).node.ttl, 1);
    assert.deepEqual(s.deleteExpired(NOW + 999), []);
    const ex = s.deleteExpired(NOW + 1500);
    assert.deepEqual(
      ex.map((e) => [e.action, e.node.key, e.node.modifiedIndex]),
      [
        ['expire', '/b', 3],
        ['expire', '/a', 4],
      ],
    );
    assert.equal(s.stats.expireCount, 2);
  });

  test('times before 2000 on create mean permanent', () => {
    const s = new Store();
    s.set('/a', false, '1', { expireTime: 1000, refresh: false }, NOW);
    assert.equal(s.get('/a', false, false, NOW).node.expiration, 0);
  });

  test('a directory with a TTL expires with its children', () => {
    const s = new Store();
    s.set('/d', true, '', ttl(1), NOW);
    s.set('/d/x', false, '1', ttl(100), NOW);
    const ex = s.deleteExpired(NOW + 1000);
    assert.equal(ex.length, 1);
    // As etcd 2.0: the expire event's node does not say dir; its prevNode does.
    assert.equal(ex[0]!.node.dir, false);
    assert.equal(ex[0]!.prevNode!.dir, true);
    assert.equal(s.ttlHeap.length, 0);
    assert.equal(s.size(), 0);
  });

  test('refresh keeps the value, tells no watcher, and needs the key', () => {
    const s = new Store();
    s.set('/r', false, 'v', ttl(10), NOW);
    const w = s.watch('/r', false, false, 0);
    const e = s.set('/r', false, '', { expireTime: NOW + 20000, refresh: true }, NOW);
    assert.equal(e.node.value, 'v');
    assert.equal(e.node.ttl, 20);
    assert.equal(s.watcherCount(), 1, 'the watcher was not fired');
    w.remove();
    expectErr(
      () => s.set('/nope', false, '', { expireTime: NOW + 1, refresh: true }, NOW),
      100,
      '/nope',
      2,
      404,
    );
    const u = s.update('/r', '', { expireTime: NOW + 5000, refresh: true }, NOW);
    assert.equal(u.node.value, 'v');
  });
});

describe('stats', () => {
  test('counts as /v2/stats/store', () => {
    const s = new Store();
    s.set('/a', false, '1', NO_TTL, NOW);
    s.get('/a', false, false, NOW);
    err(() => s.get('/b', false, false, NOW));
    err(() => s.create('/a', false, '1', false, NO_TTL, NOW));
    const st = s.statsJSON();
    // STAT_FIELDS is etcd's order: go-json.test.ts saves a snapshot of etcd 2.0.13's back byte for byte.
    assert.deepEqual(Object.keys(st), [...STAT_FIELDS]);
    assert.equal(st.getsSuccess, 1);
    assert.equal(st.getsFail, 1);
    assert.equal(st.setsSuccess, 1);
    assert.equal(st.createFail, 1);
  });
});

describe('save / restore', () => {
  test('a restored store answers identically, history included', () => {
    const s = new Store();
    s.set('/a/b', false, 'é✓', ttl(30), NOW);
    s.set('/a/_h', false, 'x', NO_TTL, NOW);
    s.create('/q', true, '', true, NO_TTL, NOW);
    s.update('/a', '', ttl(60), NOW);
    s.stats.getsFail = 7;
    const r = Store.restore(s.save());
    assert.equal(r.index, s.index);
    assert.equal(eventJSON(r.get('/', true, true, NOW)), eventJSON(s.get('/', true, true, NOW)));
    assert.equal(r.stats.getsFail, 7);
    const w1 = s.watch('/a/b', false, false, 1);
    const w2 = r.watch('/a/b', false, false, 1);
    assert.equal(r.ttlHeap.length, 2);
    return Promise.all([w1.next(), w2.next()]).then(([a, b]) =>
      assert.equal(eventJSON(b!), eventJSON(a!)),
    );
  });

  test('corrupt snapshots are refused clearly', () => {
    const b = new Store().save();
    assert.throws(() => Store.restore(b.subarray(0, 3)), /store snapshot: not JSON/);
    const text = Buffer.from(b).toString('utf8');
    const restore = (t: string) => () => Store.restore(Buffer.from(t, 'utf8'));
    assert.throws(
      restore(text.replace('"CurrentVersion":2', '"CurrentVersion":3')),
      /unsupported version 3/,
    );
    assert.throws(restore(text.replace('"Capacity":1000', '"Capacity":7')), /event history/);
    assert.throws(restore(text.replace('"CurrentIndex":0', '"CurrentIndex":-1')), /CurrentIndex/);
    assert.throws(restore('[]'), /snapshot is not an object/);
  });

  test('recovery replaces contents and closes watchers', async () => {
    const s = new Store();
    s.set('/a', false, '1', NO_TTL, NOW);
    const snap = s.save();
    s.set('/b', false, '2', NO_TTL, NOW);
    const w = s.watch('/x', false, false, 0);
    s.recovery(snap);
    assert.equal(await w.next(), null);
    assert.equal(s.index, 1);
    assert.equal(s.find('/b'), null);
  });
});

describe('limits', () => {
  test('past maxKeys a create fails cleanly and changes nothing', () => {
    const s = new Store(undefined, 3);
    s.set('/a/b', false, '1', NO_TTL, NOW); // 2 keys
    expectErr(() => s.set('/c/d', false, '1', NO_TTL, NOW), 300, 'store is full (3 keys)', 1, 500);
    assert.equal(s.size(), 2);
    assert.equal(s.find('/c'), null);
    s.set('/a/c', false, '1', NO_TTL, NOW);
    s.set('/a/c', false, '2', NO_TTL, NOW); // overwrites need no room
    assert.equal(s.size(), 3);
  });
});

describe('snapshot strings', () => {
  test('every length and alphabet survives save/restore', () => {
    const s = new Store();
    const lengths = [0, 1, 63, 64, 100, 8191, 8192, 20000];
    for (const n of lengths) {
      s.set(`/ascii/${n}`, false, 'a'.repeat(n), NO_TTL, NOW);
      s.set(`/text/${n}`, false, Array.from('é✓😀'.repeat(n)).slice(0, n).join(''), NO_TTL, NOW);
      s.set(`/${'k'.repeat(n % 300)}é`, false, 'v', NO_TTL, NOW);
    }
    const r = Store.restore(s.save());
    assert.equal(eventJSON(r.get('/', true, true, NOW)), eventJSON(s.get('/', true, true, NOW)));
  });
});
