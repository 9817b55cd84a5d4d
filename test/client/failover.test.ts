// Failover between endpoints, retries of timeouts and 5xx answers, sync rules, and
// watches that reconnect without losing or repeating events (through a TCP proxy whose
// connections the test cuts), 401 surfaced or resynced.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  Client,
  ClusterError,
  type EndpointError,
  EtcdError,
  EventIndexClearedError,
  NoEndpointsError,
} from '../../src/client/index.js';
import { type ReferenceMember, referenceSkip, startReference } from '../helpers/reference.js';
import { type Fake, fakeServer, tcpProxy } from './fakes.js';

const skip = referenceSkip();

async function clusterError(p: Promise<unknown>): Promise<ClusterError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ClusterError, `expected a ClusterError, got ${e}`);
    return e;
  }
  assert.fail('expected the call to fail');
}

describe('client failover and watches against the reference', { skip }, () => {
  let ref: ReferenceMember;
  let direct: Client;
  let dead: string;
  const fakes: Fake[] = [];
  before(async () => {
    ref = await startReference('client-failover');
    direct = new Client({ endpoints: [ref.clientUrl] });
    // Port 1 is privileged: nothing a test starts can listen there, so it always refuses.
    dead = 'http://127.0.0.1:1';
  });
  after(async () => {
    direct?.close();
    for (const f of fakes) await f.close();
    await ref?.stop();
  });

  test('a refused endpoint is skipped and the one that answers is pinned', async () => {
    const c = new Client({ endpoints: [dead, ref.clientUrl] });
    const tried: string[] = [];
    c.onRequest = (_m, url) => tried.push(url.slice(0, url.indexOf('/v2')));
    try {
      await c.set('/f/a', '1');
      assert.deepEqual(tried, [dead, ref.clientUrl]);
      tried.length = 0;
      assert.equal((await c.get('/f/a')).node.value, '1');
      assert.deepEqual(tried, [ref.clientUrl], 'the answering endpoint stays pinned');
    } finally {
      c.close();
    }
  });

  test('every endpoint failing is a ClusterError listing each failure', async () => {
    const other = 'http://127.0.0.2:1';
    const c = new Client({ endpoints: [dead, other] });
    try {
      const e = await clusterError(c.get('/x'));
      assert.equal(e.errors.length, 2);
      assert.ok(e.isConnectionError());
      assert.match(
        e.message,
        /^client: etcd cluster is unavailable or misconfigured; error #0: dial tcp 127\.0\.0\.1:\d+: connect: connection refused\n; error #1: /,
      );
      assert.match(e.detail(), /^error #0: .*\nerror #1: .*\n$/);
    } finally {
      c.close();
    }
  });

  test('5xx answers and header timeouts move on to the next endpoint', async () => {
    const noLeader = await fakeServer((_q, s) => {
      s.writeHead(500, { 'content-type': 'application/json' });
      s.end(
        '{"errorCode":300,"message":"Raft Internal Error","cause":"etcdserver: request timed out","index":0}',
      );
    });
    const gateway = await fakeServer((_q, s) => {
      s.writeHead(504);
      s.end();
    });
    const silent = await fakeServer(() => {
      // never answers
    });
    fakes.push(noLeader, gateway, silent);
    const c = new Client({
      endpoints: [noLeader.url, gateway.url, silent.url, ref.clientUrl],
      timeout: 300,
    });
    try {
      assert.equal((await c.set('/f/b', 'v')).node.value, 'v');
      assert.equal(noLeader.requests.length, 1);
      assert.equal(gateway.requests.length, 1);
      assert.equal(silent.requests.length, 1);
    } finally {
      c.close();
    }
    const only = new Client({ endpoints: [noLeader.url, gateway.url, silent.url], timeout: 300 });
    try {
      const e = await clusterError(only.get('/f/b'));
      assert.equal(e.errors.length, 3);
      assert.equal(e.errors[0]!.message, `client: etcd member ${noLeader.url} has no leader`);
      const first = e.errors[0] as EndpointError;
      assert.equal(first.etcdError?.errorCode, 300);
      assert.equal(
        e.errors[1]!.message,
        `client: etcd member ${gateway.url} returns server error [Gateway Timeout]`,
      );
      assert.equal((e.errors[2] as EndpointError).code, 'ETIMEDOUT_HEADER');
      assert.equal(e.errors[2]!.message, `client: endpoint ${silent.url} exceeded header timeout`);
      assert.ok(!e.isConnectionError());
    } finally {
      only.close();
    }
  });

  test('a POST that may have reached a server is not sent again', async () => {
    const silent = await fakeServer(() => {
      // never answers
    });
    fakes.push(silent);
    const c = new Client({ endpoints: [silent.url, ref.clientUrl], timeout: 300 });
    try {
      const before = await direct.get('/', { recursive: true });
      const e = await clusterError(c.createInOrder('/f/q', 'once'));
      assert.equal(e.errors.length, 1);
      assert.equal(silent.requests.length, 1);
      const afterwards = await direct.get('/');
      assert.equal(afterwards.index, before.index, 'nothing was created elsewhere');
    } finally {
      c.close();
    }
  });

  test('a keep-alive connection the server dropped is replaced, not reported', async () => {
    const body =
      '{"action":"get","node":{"key":"/k","value":"v","modifiedIndex":1,"createdIndex":1}}';
    const dropping = await fakeServer((req, s) => {
      s.writeHead(200, { 'content-type': 'application/json', 'x-etcd-index': '1' });
      s.end(body, () => setImmediate(() => req.socket.destroy()));
    });
    fakes.push(dropping);
    const c = new Client({ endpoints: [dropping.url] });
    try {
      for (let i = 0; i < 20; i++) {
        assert.equal((await c.get('/k')).node.value, 'v');
        await new Promise((r) => setImmediate(r));
      }
      assert.ok(dropping.requests.length >= 20);
    } finally {
      c.close();
    }
  });

  test('sync takes the published client URLs and never leaves the list empty', async () => {
    const c = new Client({ endpoints: [dead, ref.clientUrl] });
    try {
      await c.sync();
      assert.deepEqual(c.endpoints(), [ref.clientUrl]);
    } finally {
      c.close();
    }
    const unpublished = await fakeServer((_q, s) => {
      s.writeHead(200, { 'content-type': 'application/json' });
      s.end(
        '{"members":[{"id":"8e9e05c52164694d","name":"","peerURLs":["http://127.0.0.1:2380"],"clientURLs":[]}]}',
      );
    });
    fakes.push(unpublished);
    const u = new Client({ endpoints: [unpublished.url] });
    try {
      await assert.rejects(u.sync(), NoEndpointsError);
      assert.deepEqual(u.endpoints(), [unpublished.url]);
    } finally {
      u.close();
    }
    assert.throws(() => new Client({ endpoints: [] }), NoEndpointsError);
    assert.throws(() => new Client({ endpoints: ['ftp://x:1'] }), /scheme/);
  });

  test('a watch survives cut connections without missing or repeating events', async () => {
    const port = Number(new URL(ref.clientUrl).port);
    const proxy = await tcpProxy(port);
    const c = new Client({ endpoints: [proxy.url] });
    try {
      const start = (await direct.get('/')).index;
      const it = c.watch('/wr', { recursive: true, afterIndex: start });
      const seen: number[] = [];
      const want: number[] = [];
      want.push((await direct.set('/wr/1', 'a')).node.modifiedIndex);
      seen.push((await it.next()).value!.node.modifiedIndex);
      const pending = it.next();
      // Let the request reach the socket, then cut it.
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      proxy.cut();
      want.push((await direct.set('/wr/2', 'b')).node.modifiedIndex);
      want.push((await direct.delete('/wr/1')).node.modifiedIndex);
      seen.push((await pending).value!.node.modifiedIndex);
      seen.push((await it.next()).value!.node.modifiedIndex);
      proxy.cut();
      const last = it.next();
      proxy.cut();
      want.push((await direct.set('/wr/3', 'c')).node.modifiedIndex);
      const ev = (await last).value!;
      seen.push(ev.node.modifiedIndex);
      assert.equal(ev.node.key, '/wr/3');
      assert.deepEqual(seen, want);
      assert.ok(proxy.accepted() >= 2, 'the watch reconnected');
      await it.return(undefined);
    } finally {
      c.close();
      await proxy.close();
    }
  });

  test('401 event index cleared: a typed error, or a resync when asked', async () => {
    const first = await direct.set('/old/k', '0');
    let n = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (n < 1010) {
          n++;
          await direct.set('/old/k', String(n));
        }
      }),
    );
    const cleared = direct.watch('/old/k', { afterIndex: first.node.modifiedIndex });
    await assert.rejects(cleared.next(), (e: unknown) => {
      assert.ok(e instanceof EventIndexClearedError);
      assert.ok(e instanceof EtcdError);
      assert.equal(e.errorCode, 401);
      assert.match(e.cause, /^the requested history has been cleared \[\d+\/\d+\]$/);
      return true;
    });
    const ac = new AbortController();
    const it = direct.watch('/old/k', {
      afterIndex: first.node.modifiedIndex,
      resync: true,
      signal: ac.signal,
    });
    const snap = (await it.next()).value!;
    assert.equal(snap.action, 'get');
    const now = await direct.get('/old/k');
    assert.equal(snap.node.value, now.node.value);
    const next = it.next();
    const w = await direct.set('/old/k', 'after');
    const ev = (await next).value!;
    assert.equal(ev.node.modifiedIndex, w.node.modifiedIndex);
    const waiting = it.next();
    ac.abort();
    assert.deepEqual(await waiting, { value: undefined, done: true });
  });
});
