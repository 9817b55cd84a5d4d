import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EtcdError } from '../../src/store/errors.js';
import { NO_TTL, Store } from '../../src/store/store.js';
import { WATCHER_QUEUE } from '../../src/store/watcher.js';

const NOW = 1_700_000_000_000;

describe('watchers', () => {
  test('a key watcher fires once on its key, not on others', async () => {
    const s = new Store();
    const w = s.watch('/a', false, false, 0);
    assert.equal(w.startIndex, 0);
    s.set('/b', false, '1', NO_TTL, NOW);
    s.set('/a', false, '1', NO_TTL, NOW);
    const e = await w.next();
    assert.equal(e!.node.key, '/a');
    assert.equal(s.watcherCount(), 0);
    s.set('/a', false, '2', NO_TTL, NOW);
    assert.equal(await w.next(), null, 'one-shot');
  });

  test('recursive watchers see children; non-recursive do not', async () => {
    const s = new Store();
    const r = s.watch('/d', true, false, 0);
    const n = s.watch('/d', false, false, 0);
    s.set('/d/x/y', false, '1', NO_TTL, NOW);
    assert.equal((await r.next())!.node.key, '/d/x/y');
    assert.equal(s.watcherCount(), 1);
    n.remove();
    assert.equal(s.watcherCount(), 0);
  });

  test('hidden keys are not sent to watchers above them', async () => {
    const s = new Store();
    const r = s.watch('/', true, false, 0);
    const h = s.watch('/d/_h', false, false, 0);
    s.set('/d/_h', false, '1', NO_TTL, NOW);
    s.set('/d/v', false, '1', NO_TTL, NOW);
    assert.equal((await r.next())!.node.key, '/d/v');
    assert.equal((await h.next())!.node.key, '/d/_h');
  });

  test('deleting a directory tells watchers of keys under it', async () => {
    const s = new Store();
    s.set('/d/sub/leaf', false, '1', NO_TTL, NOW);
    const w = s.watch('/d/sub/leaf', false, false, 0);
    s.delete('/d', true, true, NOW);
    const e = await w.next();
    assert.equal(e!.action, 'delete');
    assert.equal(e!.node.key, '/d');
  });

  test('expire events reach watchers', async () => {
    const s = new Store();
    s.set('/t', false, '1', { expireTime: NOW + 1000, refresh: false }, NOW);
    const w = s.watch('/t', false, false, 0);
    s.deleteExpired(NOW + 1000);
    const e = await w.next();
    assert.equal(e!.action, 'expire');
    assert.equal(e!.prevNode!.value, '1');
  });

  test('from a past index: the first matching event, with the current index', async () => {
    const s = new Store();
    s.set('/a', false, '1', NO_TTL, NOW);
    s.set('/b', false, '2', NO_TTL, NOW);
    s.set('/a', false, '3', NO_TTL, NOW);
    const w = s.watch('/a', false, false, 2);
    const e = await w.next();
    assert.equal(e!.node.value, '3');
    assert.equal(e!.etcdIndex, 3);
    assert.equal(s.watcherCount(), 0);
  });

  test('history holds 1000 events; older indexes get 401 with the reference cause', () => {
    const s = new Store();
    for (let i = 0; i < 1005; i++) s.set('/k', false, String(i), NO_TTL, NOW);
    try {
      s.watch('/k', false, false, 5);
      assert.fail('no error');
    } catch (e) {
      assert.ok(e instanceof EtcdError);
      assert.equal(e.errorCode, 401);
      assert.equal(e.cause, 'the requested history has been cleared [6/5]');
      assert.equal(e.index, 1005);
      assert.equal(e.status, 400);
    }
    s.watch('/k', false, false, 6).remove();
  });

  test('on a path, stream watchers are told first, then one-shot ones, each in registration order', async () => {
    const s = new Store();
    const order: string[] = [];
    const names = ['once1', 'stream1', 'once2', 'stream2'];
    const ws = names.map((n) => s.watch('/p', true, n.startsWith('stream'), 0));
    const told = ws.map((w, i) => w.next().then(() => order.push(names[i]!)));
    s.set('/p/k', false, '1', NO_TTL, NOW);
    await Promise.all(told);
    assert.deepEqual(order, ['stream1', 'stream2', 'once1', 'once2']);
    assert.equal(s.watcherCount(), 2, 'the streams stay');
    for (const w of ws) w.remove();
    assert.equal(s.watcherCount(), 0);
  });

  test('stream watchers keep going, get past events first, and are dropped when too slow', async () => {
    const s = new Store();
    s.set('/p', false, '0', NO_TTL, NOW);
    const w = s.watch('/p', false, true, 1);
    for (let i = 1; i <= 3; i++) s.set('/p', false, String(i), NO_TTL, NOW);
    const got: string[] = [];
    for (let i = 0; i < 4; i++) got.push((await w.next())!.node.value!);
    assert.deepEqual(got, ['0', '1', '2', '3']);
    assert.equal(s.watcherCount(), 1);
    for (let i = 0; i <= WATCHER_QUEUE; i++) s.set('/p', false, 'x', NO_TTL, NOW);
    assert.equal(s.watcherCount(), 0, 'dropped, store not blocked');
    let n = 0;
    while ((await w.next()) !== null) n++;
    assert.equal(n, WATCHER_QUEUE);
  });
});
