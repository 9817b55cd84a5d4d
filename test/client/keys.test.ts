// The client against the reference etcd: every keys operation, typed results and
// errors, escaping of odd keys, members, stats, version and health.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, EtcdError } from '../../src/client/index.js';
import { type ReferenceMember, referenceSkip, startReference } from '../helpers/reference.js';

const skip = referenceSkip();

async function etcdError(p: Promise<unknown>): Promise<EtcdError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof EtcdError, `expected an EtcdError, got ${e}`);
    return e;
  }
  assert.fail('expected the call to fail');
}

describe('client keys API against the reference', { skip }, () => {
  let ref: ReferenceMember;
  let c: Client;
  before(async () => {
    ref = await startReference('client-keys');
    c = new Client({ endpoints: [ref.clientUrl] });
  });
  after(async () => {
    c?.close();
    await ref?.stop();
  });

  test('set, get, create, update and their errors', async () => {
    const s = await c.set('/k/a', '1');
    assert.equal(s.action, 'set');
    assert.equal(s.node.key, '/k/a');
    assert.equal(s.node.value, '1');
    assert.equal(s.index, s.node.modifiedIndex);
    assert.ok(s.raftIndex > 0 && s.raftTerm > 0 && s.clusterId !== '');
    const g = await c.get('k/a');
    assert.equal(g.action, 'get');
    assert.equal(g.node.value, '1');

    const e = await etcdError(c.get('/k/nope'));
    assert.equal(e.errorCode, 100);
    assert.equal(e.message, 'Key not found');
    assert.equal(e.cause, '/k/nope');
    assert.equal(e.status, 404);
    assert.equal(e.index, s.index);
    assert.equal(String(e), `100: Key not found (/k/nope) [${s.index}]`);
    assert.deepEqual(JSON.parse(JSON.stringify(e)), {
      errorCode: 100,
      message: 'Key not found',
      cause: '/k/nope',
      index: s.index,
    });

    assert.equal((await c.create('/k/b', 'x')).action, 'create');
    assert.equal((await etcdError(c.create('/k/b', 'y'))).errorCode, 105);
    assert.equal((await c.update('/k/b', 'z')).prevNode?.value, 'x');
    assert.equal((await etcdError(c.update('/k/none', 'z'))).errorCode, 100);
    assert.equal((await etcdError(c.set('/k/a/under', 'v'))).errorCode, 104);
  });

  test('compare-and-swap and compare-and-delete on value and index', async () => {
    const a = await c.set('/cas/a', 'one');
    assert.equal(
      (await etcdError(c.compareAndSwap('/cas/a', 'two', { prevValue: 'bad' }))).errorCode,
      101,
    );
    const b = await c.compareAndSwap('/cas/a', 'two', { prevValue: 'one' });
    assert.equal(b.action, 'compareAndSwap');
    assert.equal(
      (await etcdError(c.compareAndSwap('/cas/a', 'x', { prevIndex: a.node.modifiedIndex })))
        .errorCode,
      101,
    );
    const d = await c.compareAndSwap('/cas/a', 'three', { prevIndex: b.node.modifiedIndex });
    assert.equal(d.node.value, 'three');
    assert.equal(
      (await etcdError(c.compareAndDelete('/cas/a', { prevValue: 'two' }))).errorCode,
      101,
    );
    const del = await c.compareAndDelete('/cas/a', {
      prevValue: 'three',
      prevIndex: d.node.modifiedIndex,
    });
    assert.equal(del.action, 'compareAndDelete');
    assert.equal(del.prevNode?.value, 'three');
    assert.throws(() => c.compareAndSwap('/cas/a', 'v', {}), TypeError);
  });

  test('directories, in-order keys, recursive and sorted reads, deletes', async () => {
    assert.equal((await c.mkdir('/dir')).node.dir, true);
    assert.equal((await etcdError(c.mkdir('/dir'))).errorCode, 105);
    const q1 = await c.createInOrder('/dir/q', 'first');
    const q2 = await c.createInOrder('/dir/q', 'second');
    // etcd 2.0.13 names them by the index, unpadded (/dir/q/11).
    const seq = (k: string) => Number(/^\/dir\/q\/(\d+)$/.exec(k)?.[1]);
    assert.ok(seq(q1.node.key) > 0, q1.node.key);
    assert.ok(seq(q2.node.key) > seq(q1.node.key), q2.node.key);
    await c.set('/dir/sub/leaf', 'l');
    const all = await c.get('/dir', { recursive: true, sorted: true });
    assert.deepEqual(
      all.node.nodes?.map((n) => n.key),
      ['/dir/q', '/dir/sub'],
    );
    // Unpadded names sort as strings (/dir/q/10 before /dir/q/9): compare as a set.
    assert.deepEqual(all.node.nodes?.[0]?.nodes?.map((n) => n.value).sort(), ['first', 'second']);
    assert.equal((await etcdError(c.delete('/dir/sub'))).errorCode, 102);
    assert.equal((await etcdError(c.delete('/dir/sub', { dir: true }))).errorCode, 108);
    assert.equal((await c.delete('/dir/sub', { recursive: true })).action, 'delete');
    const setdir = await c.setdir('/dir2', { ttl: 100 });
    assert.equal(setdir.node.ttl, 100);
    const upd = await c.updatedir('/dir2');
    assert.equal(upd.node.ttl, undefined);
    assert.equal(upd.prevNode?.ttl, 100);
  });

  test('ttl: set, refresh-free update, explicit removal', async () => {
    const t = await c.set('/ttl/a', 'v', { ttl: 50 });
    assert.equal(t.node.ttl, 50);
    assert.ok(typeof t.node.expiration === 'string');
    const u = await c.setTtl('/ttl/a', 100);
    assert.equal(u.node.ttl, 100);
    assert.equal(u.node.value, 'v');
    const r = await c.setTtl('/ttl/a', null);
    assert.equal(r.node.ttl, undefined);
    assert.equal(r.node.expiration, undefined);
    const again = await c.set('/ttl/b', 'v', { ttl: 30 });
    assert.equal(again.node.ttl, 30);
    const cleared = await c.update('/ttl/b', 'w', { ttl: null });
    assert.equal(cleared.node.ttl, undefined);
  });

  test('keys with spaces, query characters, percent signs and unicode round-trip', async () => {
    for (const key of [
      '/odd/a b',
      '/odd/q?x=1',
      '/odd/h#frag',
      '/odd/100%',
      '/odd/ünï',
      '/odd/plus+sign',
      "/odd/*!'()",
    ]) {
      const v = `value of ${key} & more=1`;
      await c.set(key, v);
      const g = await c.get(key);
      assert.equal(g.node.key, key);
      assert.equal(g.node.value, v);
    }
  });

  test('members, leader, stats, version, health', async () => {
    const ms = await c.members();
    assert.equal(ms.length, 1);
    assert.equal(ms[0]!.name, 'client-keys');
    assert.deepEqual(ms[0]!.clientURLs, [ref.clientUrl]);
    assert.equal((await c.leader()).id, ms[0]!.id);
    const self = await c.selfStats();
    assert.equal(self.id, ms[0]!.id);
    assert.equal(self.state, 'StateLeader');
    assert.equal((await c.leaderStats()).leader, ms[0]!.id);
    assert.ok(typeof (await c.storeStats()).setsSuccess === 'number');
    assert.equal(typeof (await c.version()).etcdserver, 'string');
    assert.equal(String((await c.health()).health), 'true');
    await c.sync();
    assert.deepEqual(c.endpoints(), [ref.clientUrl]);
  });
});
