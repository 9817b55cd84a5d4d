import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeFrames } from '../../src/peer/frame.js';
import { MessageType, newMessage } from '../../src/raft/types.js';
import { TestNode, allConnected, app, heartbeat, startNodes, stopAll } from './harness.js';

const A = 'a1';
const B = 'b2';
const C = 'c3';

test('two transports exchange many messages in order over the streams', async () => {
  const [a, b] = await startNodes([A, B]);
  try {
    await allConnected([a, b]);
    const n = 5000;
    for (let i = 0; i < n; i++) {
      a.transport.send([app(A, B, i, 1 + (i % 3), 8 + (i % 50))]);
      b.transport.send([heartbeat(B, A, i)]);
      // Let the queues drain now and then: a turn holds at most 4096 messages per peer.
      if (i % 500 === 499) await new Promise((r) => setImmediate(r));
    }
    await b.until(() => b.received.length === n, `${n} appends at b`);
    await a.until(() => a.received.length === n, `${n} heartbeats at a`);
    for (let i = 0; i < n; i++) {
      const m = b.received[i]!;
      assert.equal(m.type, MessageType.App);
      assert.equal(m.from, A);
      assert.equal(m.to, B);
      assert.equal(m.index, i);
      assert.equal(m.entries.length, 1 + (i % 3));
      assert.equal(m.entries[0]!.data.length, 8 + (i % 50));
      assert.equal(m.entries[0]!.index, i + 1);
      assert.equal(a.received[i]!.commit, i);
    }
    assert.equal(a.transport.counters.pipelinePosts, 0, 'everything went on the stream');
    assert.deepEqual(a.unreachable, []);
  } finally {
    await stopAll([a, b]);
  }
});

test('everything queued in one event-loop turn goes out in one stream write', async () => {
  const [a, b] = await startNodes([A, B]);
  try {
    await allConnected([a, b]);
    const before = a.transport.counters.streamWrites;
    // 100 Ready-sized sends within one turn.
    for (let i = 0; i < 100; i++) {
      a.transport.send([app(A, B, i * 10, 10), heartbeat(A, B, i)]);
    }
    await b.until(() => b.received.length === 200, '200 messages');
    assert.equal(a.transport.counters.streamWrites - before, 1);
    assert.equal(a.transport.counters.streamMessages, 200);
    assert.deepEqual(
      b.received.filter((m) => m.type === MessageType.App).map((m) => m.index),
      Array.from({ length: 100 }, (_, i) => i * 10),
    );
  } finally {
    await stopAll([a, b]);
  }
});

test('three transports: every pair exchanges messages in order', async () => {
  const nodes = await startNodes([A, B, C]);
  try {
    await allConnected(nodes);
    const n = 1000;
    for (let i = 0; i < n; i++) {
      for (const x of nodes) {
        x.transport.send(nodes.filter((y) => y !== x).map((y) => app(x.id, y.id, i)));
      }
    }
    for (const y of nodes) {
      await y.until(() => y.received.length === 2 * n, `${2 * n} messages at ${y.id}`);
      for (const x of nodes) {
        if (x === y) continue;
        const got = y.received.filter((m) => m.from === x.id).map((m) => m.index);
        assert.deepEqual(
          got,
          Array.from({ length: n }, (_, i) => i),
          `${x.id} -> ${y.id}`,
        );
      }
    }
  } finally {
    await stopAll(nodes);
  }
});

test('messages sent before any stream is up arrive through the pipeline', async () => {
  const a = await new TestNode(A).start();
  const b = await new TestNode(B).start();
  try {
    // b does not know a yet, so no stream can be set up in either direction.
    a.transport.addPeer(B, [b.url]);
    a.transport.send([app(A, B, 7, 3)]);
    await b.until(() => b.received.length === 1, 'the pipelined append');
    assert.equal(b.received[0]!.index, 7);
    assert.equal(b.received[0]!.entries.length, 3);
    assert.ok(a.transport.counters.pipelinePosts >= 1);
  } finally {
    await stopAll([a, b]);
  }
});

test('a member of another cluster is refused with 412 and logged', async () => {
  const a = await new TestNode(A, { clusterId: 'aaaa' }).start();
  const b = await new TestNode(B, { clusterId: 'bbbb' }).start();
  try {
    a.transport.addPeer(B, [b.url]);
    b.transport.addPeer(A, [a.url]);
    a.transport.send([app(A, B, 1)]);
    await a.until(() => a.unreachable.includes(B), 'b reported unreachable');
    await b.until(
      () => b.logs.some((l) => l.includes('cluster ID mismatch')),
      'b logging the mismatch',
    );
    assert.ok(
      a.logs.some((l) => l.includes('cluster ID mismatch')),
      'the refused sender logs too',
    );
    assert.equal(b.received.length, 0);
    assert.equal(a.connected(B), false);

    const body = encodeFrames([app(A, B, 1)], 0, 1, null);
    const res = await fetch(`${b.url}/raft`, {
      method: 'POST',
      headers: { 'X-Etcd-Cluster-ID': 'aaaa', 'X-Server-From': A },
      body,
    });
    assert.equal(res.status, 412);
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(res.headers.get('x-etcd-cluster-id'), 'bbbb');
    assert.equal(await res.text(), 'cluster ID mismatch\n');
    const stream = await fetch(`${b.url}/raft/stream/${A}`, {
      headers: { 'X-Etcd-Cluster-ID': 'cccc', 'X-Server-From': A },
    });
    assert.equal(stream.status, 412);
    await stream.text();
    assert.equal(b.received.length, 0);
  } finally {
    await stopAll([a, b]);
  }
});

test('a removed member is refused with 410 and told so', async () => {
  const [a, b] = await startNodes([A, B]);
  try {
    await allConnected([a, b]);
    a.transport.removePeer(B);
    // b's stream from a drops; its redial is answered 410 and b learns it was removed.
    await b.until(() => b.removed === 1, 'b told it was removed');
    const res = await fetch(`${a.url}/raft`, {
      method: 'POST',
      headers: { 'X-Etcd-Cluster-ID': 'c1', 'X-Server-From': B },
      body: encodeFrames([heartbeat(B, A)], 0, 1, null),
    });
    assert.equal(res.status, 410);
    assert.equal(await res.text(), 'the member has been permanently removed from the cluster\n');
    assert.equal(a.received.length, 0);
    // Sends to a removed peer are ignored, not queued.
    a.transport.send([heartbeat(A, B)]);
    assert.deepEqual(a.transport.queued(B), { messages: 0, bytes: 0 });
  } finally {
    await stopAll([a, b]);
  }
});

test('the handler serves /members and /version and declines other paths', async () => {
  const members =
    '[{"id":4627081221937520288,"peerURLs":["http://127.0.0.1:2380"],"name":"a","clientURLs":["http://127.0.0.1:2379"]}]';
  const a = await new TestNode(A, {
    clusterId: '64d937c925e41b58',
    membersJSON: () => members,
  }).start();
  try {
    const r = await fetch(`${a.url}/members`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.equal(r.headers.get('x-etcd-cluster-id'), '64d937c925e41b58');
    assert.equal(await r.text(), `${members}\n`);
    const p = await fetch(`${a.url}/members`, { method: 'POST' });
    assert.equal(p.status, 405);
    assert.equal(p.headers.get('allow'), 'GET');
    assert.equal(await p.text(), 'Method Not Allowed\n');
    const v = await fetch(`${a.url}/version`);
    assert.equal(await v.text(), '{"etcdserver":"2.0.13","etcdcluster":"2.0.0"}');
    const g = await fetch(`${a.url}/raft`);
    assert.equal(g.status, 405);
    assert.equal(g.headers.get('allow'), 'POST');
    await g.text();
    const n = await fetch(`${a.url}/v2/keys/foo`);
    assert.equal(n.status, 404, 'not ours: the harness answers 404');
    await n.text();
    const unknown = await fetch(`${a.url}/raft/stream/ffff`, {
      headers: { 'X-Etcd-Cluster-ID': '64d937c925e41b58' },
    });
    assert.equal(unknown.status, 404);
    assert.equal(await unknown.text(), 'error sender not found\n');
  } finally {
    await a.stop();
  }
});

test('a malformed pipeline body is answered 400 and delivers nothing', async () => {
  const a = await new TestNode(A).start();
  try {
    const good = encodeFrames([heartbeat(B, A)], 0, 1, null);
    const truncated = good.subarray(0, good.length - 3);
    const r = await fetch(`${a.url}/raft`, {
      method: 'POST',
      headers: { 'X-Etcd-Cluster-ID': 'c1', 'X-Server-From': B },
      body: truncated,
    });
    assert.equal(r.status, 400);
    assert.equal(await r.text(), 'error reading raft message\n');
    assert.equal(a.received.length, 0);
  } finally {
    await a.stop();
  }
});

test('leader and self statistics', async () => {
  const [a, b] = await startNodes([A, B]);
  try {
    await allConnected([a, b]);
    const empty = a.transport.leaderStats();
    assert.equal(
      JSON.stringify(empty),
      `{"leader":"${A}","followers":{"${B}":{"latency":{"current":0,"average":0,"standardDeviation":0,"minimum":9223372036854776000,"maximum":0},"counts":{"fail":0,"success":0}}}}`,
    );
    // b answers every append and heartbeat as a follower would.
    b.opts.onMessage = (m) => {
      const type = m.type === MessageType.App ? MessageType.AppResp : MessageType.HeartbeatResp;
      const r = newMessage(type, A, B, 1);
      r.index = m.index + m.entries.length;
      b.transport.send([r]);
    };
    for (let i = 0; i < 20; i++) {
      a.transport.send([app(A, B, i)]);
      await a.until(() => a.received.length === i + 1, 'append response');
    }
    a.transport.send([heartbeat(A, B)]);
    await a.until(() => a.received.length === 21, 'heartbeat response');
    const s = a.transport.leaderStats();
    const f = s.followers[B]!;
    assert.equal(f.counts.success, 20);
    assert.equal(f.counts.fail, 0);
    assert.ok(f.latency.current > 0 && f.latency.current < 1000, `latency ${f.latency.current}`);
    assert.ok(f.latency.minimum <= f.latency.average && f.latency.average <= f.latency.maximum);
    assert.ok(f.latency.standardDeviation >= 0);
    assert.deepEqual(Object.keys(f.latency), [
      'current',
      'average',
      'standardDeviation',
      'minimum',
      'maximum',
    ]);
    const self = a.transport.selfStats();
    assert.equal(self.sendAppendRequestCnt, 20);
    assert.equal(self.recvAppendRequestCnt, 0);
    assert.ok((self.sendPkgRate ?? 0) > 0 && (self.sendBandwidthRate ?? 0) > 0);
    assert.deepEqual(Object.keys(self), [
      'recvAppendRequestCnt',
      'sendAppendRequestCnt',
      'sendPkgRate',
      'sendBandwidthRate',
    ]);
    const bs = b.transport.selfStats();
    assert.equal(bs.recvAppendRequestCnt, 20);
    assert.equal(bs.sendAppendRequestCnt, 0);
  } finally {
    await stopAll([a, b]);
  }
});
