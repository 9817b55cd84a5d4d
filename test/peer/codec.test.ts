// The pieces of the transport that need no sockets: framing, the snapshot body, stats.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FrameDecoder, FrameError, encodeFrames } from '../../src/peer/frame.js';
import { SnapshotBodyError, SnapshotBodyReader, snapshotPrefix } from '../../src/peer/snapshot.js';
import { FollowerStats, RateQueue, SelfStats } from '../../src/peer/stats.js';
import { UrlPicker, parsePeerUrl } from '../../src/peer/url.js';
import { encodeMessage } from '../../src/raft/codec.js';
import { type Message, MessageType, newMessage } from '../../src/raft/types.js';
import { app, heartbeat } from './harness.js';

function splitAt(buf: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((x, y) => x - y);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out;
}

test('frames survive any split of the byte stream, in order and intact', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(1000), fc.nat(5), fc.nat(300)), { minLength: 1, maxLength: 20 }),
      fc.array(fc.nat(100_000), { maxLength: 30 }),
      (specs, cuts) => {
        const msgs: Message[] = specs.map(([i, n, size]) =>
          n === 0 ? heartbeat('a1', 'b2', i) : app('a1', 'b2', i, n, size),
        );
        const sizes: number[] = [];
        const bytes = encodeFrames(msgs, 0, msgs.length, sizes);
        assert.deepEqual(
          sizes,
          msgs.map((m) => encodeMessage(m).length),
        );
        const got: Uint8Array[] = [];
        const dec = new FrameDecoder((f) => got.push(new Uint8Array(f)));
        for (const chunk of splitAt(bytes, cuts)) dec.push(chunk);
        assert.ok(dec.idle);
        assert.equal(got.length, msgs.length);
        for (let i = 0; i < msgs.length; i++) assert.deepEqual(got[i], encodeMessage(msgs[i]!));
      },
    ),
    { numRuns: 200 },
  );
});

test('frames inside a chunk are views; a frame spanning chunks is assembled once', () => {
  const bytes = encodeFrames([app('a1', 'b2', 1, 1, 10), heartbeat('a1', 'b2')], 0, 2, null);
  const seen: Uint8Array[] = [];
  const dec = new FrameDecoder((f) => seen.push(f));
  dec.push(bytes);
  assert.equal(seen[0]!.buffer, bytes.buffer);
  dec.push(bytes.subarray(0, 30));
  dec.push(bytes.subarray(30));
  assert.equal(seen.length, 4);
  assert.notEqual(seen[2]!.buffer, bytes.buffer);
  assert.equal(seen[2]!.byteLength, seen[2]!.buffer.byteLength, 'exact-size buffer');
  assert.deepEqual(seen[2], seen[0]);
  assert.equal(seen[3]!.buffer, bytes.buffer, 'the next frame in the chunk is a view again');
});

test('a frame length beyond the limit is an error, zero-length frames are skipped', () => {
  const dec = new FrameDecoder(() => {}, 1000);
  assert.throws(() => dec.push(new Uint8Array([0xe9, 0x03, 0, 0])), FrameError);
  let n = 0;
  const ok = new FrameDecoder(() => n++);
  ok.push(new Uint8Array([0, 0, 0, 0, 0, 0]));
  ok.push(new Uint8Array([0, 0]));
  assert.equal(n, 0);
  assert.ok(ok.idle);
});

function snapMessage(size: number): Message {
  const m = newMessage(MessageType.Snap, 'b2', 'a1', 7);
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 31) & 0xff;
  m.snapshot = {
    data,
    metadata: { index: 99, term: 6, confState: { voters: ['a1', 'b2'], learners: [] } },
  };
  return m;
}

test('the snapshot body parses from any split', () => {
  fc.assert(
    fc.property(fc.nat(5000), fc.array(fc.nat(100_000), { maxLength: 20 }), (size, cuts) => {
      const m = snapMessage(size);
      const prefix = snapshotPrefix(m);
      const body = new Uint8Array(prefix.length + size);
      body.set(prefix);
      body.set(m.snapshot!.data, prefix.length);
      const r = new SnapshotBodyReader();
      for (const chunk of splitAt(body, cuts)) r.push(chunk);
      const got = r.finish();
      assert.equal(got.type, MessageType.Snap);
      assert.equal(got.from, 'a1');
      assert.equal(got.snapshot!.metadata.index, 99);
      assert.deepEqual(got.snapshot!.metadata.confState.voters, ['a1', 'b2']);
      assert.deepEqual(got.snapshot!.data, m.snapshot!.data);
    }),
    { numRuns: 100 },
  );
});

test('a truncated or mistyped snapshot body is refused', () => {
  const m = snapMessage(100);
  const prefix = snapshotPrefix(m);
  const r = new SnapshotBodyReader();
  r.push(prefix);
  r.push(m.snapshot!.data.subarray(0, 50));
  assert.throws(() => r.finish(), SnapshotBodyError);
  const notSnap = encodeMessage(heartbeat('a1', 'b2'));
  const hdr = new Uint8Array(4 + notSnap.length);
  new DataView(hdr.buffer).setUint32(0, notSnap.length, true);
  hdr.set(notSnap, 4);
  assert.throws(() => new SnapshotBodyReader().push(hdr), /wrong raft message type/);
});

test('follower latency statistics follow etcd arithmetic', () => {
  const f = new FollowerStats();
  for (const ms of [1, 2, 3, 4]) f.latency(ms);
  const j = f.toJSON();
  assert.equal(j.latency.current, 4);
  assert.equal(j.latency.average, 2.5);
  assert.equal(j.latency.minimum, 1);
  assert.equal(j.latency.maximum, 4);
  assert.ok(Math.abs(j.latency.standardDeviation - Math.sqrt(1.25)) < 1e-12);
});

test('rates cover the last 200 appends and drop to zero after a second of silence', () => {
  const q = new RateQueue();
  for (let i = 0; i < 300; i++) q.insert(i * 10, 100);
  // 200 samples over 1990 ms.
  const [p, b] = q.rate(3000);
  assert.ok(Math.abs(p - (200 / 1990) * 1000) < 1e-9);
  assert.ok(Math.abs(b - (20000 / 1990) * 1000) < 1e-9);
  assert.deepEqual(q.rate(4100), [0, 0]);
  const s = new SelfStats();
  assert.deepEqual(Object.keys(s.toJSON(0)), ['recvAppendRequestCnt', 'sendAppendRequestCnt']);
  s.recvAppend(0, 10);
  s.recvAppend(100, 10);
  assert.deepEqual(Object.keys(s.toJSON(150)), [
    'recvAppendRequestCnt',
    'recvPkgRate',
    'recvBandwidthRate',
    'sendAppendRequestCnt',
  ]);
});

test('the URL picker sticks to a working URL and moves on after a failure', () => {
  const p = new UrlPicker(['http://127.0.0.1:1', 'https://[::1]:2', 'http://h']);
  const first = p.pick();
  assert.equal(first.href, 'http://127.0.0.1:1');
  p.fail(first);
  const second = p.pick();
  assert.deepEqual(second, { href: 'https://[::1]:2', https: true, hostname: '::1', port: 2 });
  p.fail(first); // a stale failure does not skip the URL now in use
  assert.equal(p.pick().href, second.href);
  assert.equal(p.update(['http://h', 'https://[::1]:2']), true, 'the URL in use is kept');
  assert.equal(p.pick().href, second.href);
  assert.equal(p.update(['http://other:80']), false);
  assert.deepEqual(p.pick(), { href: 'http://other', https: false, hostname: 'other', port: 80 });
  assert.throws(() => parsePeerUrl('unix:///x'), /must be http or https/);
  assert.throws(() => parsePeerUrl('nonsense'), /invalid peer URL/);
});
