import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { reservePort } from '../helpers/ports.js';
import { MessageType, newMessage } from '../../src/raft/types.js';
import { TestNode, allConnected, app, heartbeat, startNodes, stopAll } from './harness.js';

const A = 'a1';
const B = 'b2';

test('a dead peer never blocks send() and is reported unreachable', async () => {
  const deadPort = await reservePort();
  const a = await new TestNode(A, { limits: { maxPendingMessages: 1000 } }).start();
  try {
    a.transport.addPeer(B, [`http://127.0.0.1:${deadPort}`]);
    const t0 = performance.now();
    for (let i = 0; i < 20_000; i++) a.transport.send([app(A, B, i, 1, 64)]);
    const took = performance.now() - t0;
    // Queueing only: no I/O, no waiting on the peer.
    assert.ok(took < 2000, `send() took ${took} ms for 20000 messages`);
    assert.ok(a.transport.queued(B).messages <= 1000, 'the queue is capped');
    await a.until(() => a.unreachable.includes(B), 'b reported unreachable');
    assert.ok(a.transport.counters.dropped >= 19_000);
    // Later sends while b stays down keep being reported, and nothing piles up.
    const reports = a.unreachable.length;
    a.transport.send([heartbeat(A, B)]);
    await a.until(() => a.unreachable.length > reports, 'another unreachable report');
    assert.ok(a.transport.queued(B).messages <= 1000);
    assert.ok(a.transport.leaderStats().followers[B]!.counts.fail > 0);
  } finally {
    await a.stop();
  }
});

test('streams come back after the peer restarts, and messages flow again', async () => {
  const [a, b] = await startNodes([A, B]);
  let b2: TestNode | null = null;
  try {
    await allConnected([a, b]);
    a.transport.send([app(A, B, 1)]);
    await b.until(() => b.received.length === 1, 'first append');
    const port = b.opts.port!;
    await b.stop();
    await a.until(() => a.disconnected(B), 'a noticing both streams went down');
    a.transport.send([app(A, B, 2)]);
    await a.until(() => a.unreachable.includes(B), 'b unreachable while down');

    b2 = await new TestNode(B, { port }).start();
    b2.transport.addPeer(A, [a.url]);
    await allConnected([a, b2]);
    for (let i = 10; i < 110; i++) a.transport.send([app(A, B, i)]);
    b2.transport.send([heartbeat(B, A, 5)]);
    await b2.until(() => b2!.received.length === 100, '100 appends after the restart');
    assert.deepEqual(
      b2.received.map((m) => m.index),
      Array.from({ length: 100 }, (_, i) => i + 10),
    );
    await a.until(() => a.received.some((m) => m.type === MessageType.Heartbeat), 'b2 -> a');
  } finally {
    await stopAll(b2 ? [a, b2] : [a]);
  }
});

test('a stream that was up redials at once when it drops: a refused dial is reported', async () => {
  // Back-off so long that only the immediate redial can report within the test.
  const limits = { backoffMinMs: 60_000, backoffMaxMs: 60_000 };
  let clock = 0;
  const a = await new TestNode(A, { limits, now: () => clock }).start();
  const b = await new TestNode(B, { limits }).start();
  try {
    a.transport.addPeer(B, [b.url]);
    b.transport.addPeer(A, [a.url]);
    await allConnected([a, b]);
    // Up for longer than the longest back-off: the stream had settled.
    clock += limits.backoffMaxMs;
    await b.stop();
    await a.until(() => a.refused.includes(B), 'b refusing the redial');
    assert.deepEqual(a.refused, [B]);
  } finally {
    await a.stop();
  }
});

test('a slow peer costs bounded memory: the queue is capped, the stall detected', async () => {
  const a = await new TestNode(A, {
    limits: { maxPendingBytes: 1 << 20, maxPendingMessages: 100_000, stallTimeoutMs: 300 },
  }).start();
  // A fake "b" that opens its stream from a and then never reads from it.
  const slow = http.request(`${a.url}/raft/stream/${B}`, {
    headers: { 'X-Etcd-Cluster-ID': 'c1', 'X-Server-From': B, 'X-Raft-To': A },
  });
  try {
    a.transport.addPeer(B, ['http://127.0.0.1:1']);
    const response = new Promise<http.IncomingMessage>((resolve) => slow.on('response', resolve));
    slow.on('error', () => {});
    slow.end();
    const res = await response;
    assert.equal(res.statusCode, 200);
    res.pause();
    await a.until(() => a.streams.get(`${B}/writer`) === true, 'the stream to b');
    // 64 KiB appends, far more than the socket buffers and the queue can take.
    const big = 64 << 10;
    for (let round = 0; round < 400 && !a.unreachable.includes(B); round++) {
      a.transport.send([app(A, B, round * 4, 4, big / 4)]);
      const q = a.transport.queued(B);
      assert.ok(q.bytes <= (1 << 20) + big, `queued ${q.bytes} bytes`);
      await new Promise((r) => setImmediate(r));
    }
    await a.until(() => a.unreachable.includes(B), 'b reported unreachable');
    // The blocked stream is given up after the stall timeout.
    await a.until(() => a.streams.get(`${B}/writer`) === false, 'the stalled stream closed', 5000);
    assert.ok(a.transport.queued(B).bytes <= (1 << 20) + big);
  } finally {
    slow.destroy();
    await a.stop();
  }
});

test('a several-MB snapshot is streamed to the peer and reported', async () => {
  const [a, b] = await startNodes([A, B]);
  try {
    await allConnected([a, b]);
    const size = 8 * 1024 * 1024 + 123;
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i += 997) data[i] = i & 0xff;
    const m = newMessage(MessageType.Snap, B, A, 3);
    m.snapshot = {
      data,
      metadata: { index: 12345, term: 3, confState: { voters: [A, B], learners: [] } },
    };
    a.transport.send([m]);
    await a.until(() => a.snapshots.length === 1, 'snapshot status');
    assert.deepEqual(a.snapshots[0], [B, true]);
    assert.equal(b.received.length, 1);
    const got = b.received[0]!;
    assert.equal(got.type, MessageType.Snap);
    assert.equal(got.term, 3);
    assert.equal(got.snapshot!.metadata.index, 12345);
    assert.deepEqual(got.snapshot!.metadata.confState.voters, [A, B]);
    assert.equal(got.snapshot!.data.length, size);
    assert.ok(Buffer.from(got.snapshot!.data).equals(Buffer.from(data)));
    assert.equal(b.transport.counters.pipelinePosts, 0);
  } finally {
    await stopAll([a, b]);
  }
});

test('a snapshot to a dead peer is reported failed', async () => {
  const a = await new TestNode(A).start();
  try {
    a.transport.addPeer(B, [`http://127.0.0.1:${await reservePort()}`]);
    const m = newMessage(MessageType.Snap, B, A, 3);
    m.snapshot = {
      data: new Uint8Array(1 << 20),
      metadata: { index: 9, term: 3, confState: { voters: [A, B], learners: [] } },
    };
    a.transport.send([m]);
    await a.until(() => a.snapshots.length === 1, 'snapshot status');
    assert.deepEqual(a.snapshots[0], [B, false]);
    assert.ok(a.unreachable.includes(B));
  } finally {
    await a.stop();
  }
});

test('new peer URLs: the stream moves to the new address', async () => {
  const [a, b] = await startNodes([A, B]);
  let b2: TestNode | null = null;
  try {
    await allConnected([a, b]);
    await b.stop();
    await a.until(() => a.disconnected(B), 'a noticing both streams went down');
    b2 = await new TestNode(B).start();
    assert.notEqual(b2.url, b.url);
    b2.transport.addPeer(A, [a.url]);
    a.transport.updatePeer(B, [b2.url]);
    await allConnected([a, b2]);
    a.transport.send([app(A, B, 42)]);
    await b2.until(() => b2!.received.length === 1, 'the append at the new address');
    assert.equal(b2.received[0]!.index, 42);
  } finally {
    await stopAll(b2 ? [a, b2] : [a]);
  }
});

test('idle streams stay up on keepalives; a silent one is dropped and redialled', async () => {
  const limits = { keepaliveMs: 50, readIdleTimeoutMs: 300 };
  const [a, b] = await startNodes([A, B], { limits });
  // A fake peer that accepts our stream dial and then never writes a byte.
  let dials = 0;
  const silent = http.createServer((req, res) => {
    if (req.url === '/version') {
      // Says it is one of ours, so that our own stream is dialled.
      res.writeHead(404, { 'X-Etcd-Node-Wire': '1' });
      res.end();
      return;
    }
    dials++;
    res.writeHead(200, { 'X-Etcd-Cluster-ID': 'c1' });
    res.flushHeaders();
    req.on('error', () => {});
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  const port = (silent.address() as { port: number }).port;
  try {
    await allConnected([a, b]);
    const downs = () => [...a.logs, ...b.logs].filter((l) => l.includes('lost the TCP')).length;
    // Four read-idle periods with nothing to send: the keepalives must hold the streams.
    await new Promise((r) => setTimeout(r, 4 * limits.readIdleTimeoutMs));
    assert.equal(downs(), 0);
    a.transport.send([app(A, B, 5)]);
    await b.until(() => b.received.length === 1, 'an append after the idle period');
    assert.equal(a.transport.counters.pipelinePosts, 0);

    a.transport.addPeer('c3', [`http://127.0.0.1:${port}`]);
    await a.until(() => a.streams.get('c3/reader') === true, 'the silent stream up');
    await a.until(() => a.streams.get('c3/reader') === false, 'the silent stream dropped');
    // The redial is answered like the first dial, so the reader comes up again.
    await a.until(() => dials >= 2 && a.streams.get('c3/reader') === true, 'a redial');
  } finally {
    await stopAll([a, b]);
    silent.closeAllConnections();
    await new Promise<void>((r) => silent.close(() => r()));
  }
});
