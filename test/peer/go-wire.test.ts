// etcd 2.0's peer wire as our transport serves and speaks it: POST /raft with one
// protobuf message, the append stream (GET /raft/stream/<follower>, X-Raft-Term), the
// peer-kind probe, and bad input on each of them (400 or a closed stream, nothing
// delivered).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { test } from 'node:test';
import { goEncodeMessage } from '../../src/peer/go-codec.js';
import { ProtoError } from '../../src/pkg/protobuf.js';
import {
  encodeGoStreamBatch,
  GO_STREAM_KEEPALIVE,
  GoStreamDecoder,
  GoStreamError,
} from '../../src/peer/go-stream.js';
import { PeerKind } from '../../src/peer/kind.js';
import {
  type Entry,
  EntryType,
  type Message,
  MessageType,
  newMessage,
} from '../../src/raft/types.js';
import { heartbeat, startNodes, stopAll, TestNode } from './harness.js';

function entries(from: number, n: number, term: number): Entry[] {
  return Array.from({ length: n }, (_, i) => ({
    term,
    index: from + i,
    type: EntryType.Normal,
    data: new TextEncoder().encode(`e${from + i}`),
  }));
}

function appAt(from: string, to: string, term: number, index: number, n: number): Message {
  const m = newMessage(MessageType.App, to, from, term);
  m.index = index;
  m.logTerm = term;
  m.commit = index;
  m.entries = entries(index + 1, n, term);
  return m;
}

interface Answer {
  status: number;
  body: string;
}

function post(
  url: string,
  body: Uint8Array,
  headers: Record<string, string>,
  path = '/raft',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${path}`, { method: 'POST', headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (s: string) => {
        text += s;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const GO_HEADERS = { 'Content-Type': 'application/protobuf', 'X-Etcd-Cluster-ID': 'c1' };

test('POST /raft with one protobuf message (2.0 wire): delivered; bad bodies get 400', async () => {
  const [a] = await startNodes(['a']);
  a!.transport.addPeer('b', ['http://127.0.0.1:9']);
  try {
    const hb = goEncodeMessage(heartbeat('b', 'a'));
    assert.equal((await post(a!.url, hb, GO_HEADERS)).status, 204);
    await a!.until(() => a!.received.length === 1, 'the heartbeat');
    assert.equal(a!.received[0]!.type, MessageType.Heartbeat);
    // No X-Etcd-Node-Wire header: the sender is a Go member.
    assert.equal(a!.transport.peerKind('b'), PeerKind.Go);

    const garbage = new Uint8Array(64).map((_, i) => (i * 37 + 11) & 0xff);
    for (const [what, body] of [
      ['garbage', garbage],
      ['truncated', hb.subarray(0, hb.length - 3)],
    ] as const) {
      const r = await post(a!.url, body, GO_HEADERS);
      assert.equal(r.status, 400, what);
    }
    const wrong = await post(a!.url, hb, { ...GO_HEADERS, 'X-Etcd-Cluster-ID': 'c2' });
    assert.equal(wrong.status, 412);

    // A body announced larger than any message: refused before it is read.
    const port = (a!.server.address() as AddressInfo).port;
    const status = await new Promise<string>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.write(
          'POST /raft HTTP/1.1\r\nHost: x\r\nContent-Type: application/protobuf\r\n' +
            'X-Etcd-Cluster-ID: c1\r\nContent-Length: 99999999999\r\n\r\nabc',
        );
      });
      let got = '';
      s.on('data', (d) => {
        got += d.toString();
      });
      s.on('close', () => resolve(got.split('\r\n')[0] ?? ''));
      s.on('error', () => resolve(got.split('\r\n')[0] ?? ''));
    });
    assert.match(status, /^HTTP\/1\.1 400/);

    a!.transport.removePeer('b');
    const gone = await post(a!.url, hb, GO_HEADERS);
    assert.equal(gone.status, 403);
    assert.equal(a!.received.length, 1, 'nothing delivered from bad or refused requests');
  } finally {
    await stopAll([a!]);
  }
});

/** Opens a 2.0-style stream on `url` for follower `from`; collects the batches. */
function openGoStream(
  url: string,
  from: string,
  headers: Record<string, string>,
): Promise<{
  status: number;
  batches: Entry[][];
  res: http.IncomingMessage;
  req: http.ClientRequest;
}> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/raft/stream/${from}`, { headers }, (res) => {
      const batches: Entry[][] = [];
      const dec = new GoStreamDecoder((b) => batches.push(b));
      res.on('data', (c: Buffer) => {
        if (res.statusCode === 200) dec.push(c);
      });
      res.on('error', () => {});
      resolve({ status: res.statusCode ?? 0, batches, res, req });
    });
    req.on('error', reject);
    req.end();
  });
}

test('the 2.0 append stream: only appends of its term, as entry batches; bad requests refused', async () => {
  const [a] = await startNodes(['a'], { limits: { keepaliveMs: 50 } });
  a!.transport.addPeer('b', ['http://127.0.0.1:9']);
  const h = { 'X-Etcd-Cluster-ID': 'c1', 'X-Raft-To': 'a' };
  try {
    assert.equal((await openGoStream(a!.url, 'b', { ...h, 'X-Raft-Term': 'x' })).status, 400);
    assert.equal(
      (await openGoStream(a!.url, 'b', { ...h, 'X-Raft-To': 'z', 'X-Raft-Term': '3' })).status,
      412,
    );
    assert.equal((await openGoStream(a!.url, 'zz', { ...h, 'X-Raft-Term': '3' })).status, 404);
    const s = await openGoStream(a!.url, 'b', { ...h, 'X-Raft-Term': '3' });
    assert.equal(s.status, 200);
    await a!.until(() => a!.streams.get('b/writer') === true, 'the stream attached');
    // A stream of an older term than the attached one is refused, as 2.0 does.
    assert.equal((await openGoStream(a!.url, 'b', { ...h, 'X-Raft-Term': '2' })).status, 400);

    a!.transport.send([appAt('a', 'b', 3, 5, 2)]);
    const bad = appAt('a', 'b', 3, 7, 1);
    bad.logTerm = 2; // previous entry of an older term: not for the stream (goes by POST)
    a!.transport.send([bad, appAt('a', 'b', 3, 8, 3)]);
    await new Promise<void>((resolve) => {
      const check = () => (s.batches.length >= 2 ? resolve() : setTimeout(check, 10));
      check();
    });
    assert.deepEqual(
      s.batches.map((b) => b.map((e) => e.index)),
      [
        [6, 7],
        [9, 10, 11],
      ],
    );
    // A message of a newer term ends the stream of the older one.
    a!.transport.send([heartbeat('a', 'b')].map((m) => ({ ...m, term: 4 })));
    await new Promise<void>((resolve) => s.res.on('close', () => resolve()));
    s.req.destroy();
  } finally {
    await stopAll([a!]);
  }
});

test('a Go leader stream we read: batches become appends; garbage closes it, nothing delivered', async () => {
  let sock: http.ServerResponse | null = null;
  const fake = http.createServer((req, res) => {
    if (req.url === '/version') {
      res.writeHead(404);
      res.end('404 page not found\n');
      return;
    }
    if (req.url === '/raft/stream/a' && req.headers['x-raft-term'] === '2') {
      assert.equal(req.headers['x-raft-to'], 'f0');
      res.writeHead(200);
      res.flushHeaders();
      sock = res;
      return;
    }
    req.resume();
    res.writeHead(204);
    res.end();
  });
  await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  const a = await new TestNode('a').start();
  try {
    a.transport.addPeer('f0', [url]);
    await a.until(() => a.transport.peerKind('f0') === PeerKind.Go, 'f0 identified as Go');
    const ack = newMessage(MessageType.AppResp, 'f0', 'a', 2);
    ack.index = 3;
    a.transport.send([ack]);
    await a.until(() => a.streams.get('f0/reader') === true, 'our reader of the Go stream');
    sock!.write(GO_STREAM_KEEPALIVE);
    sock!.write(encodeGoStreamBatch(entries(4, 2, 2)));
    await a.until(() => a.received.some((m) => m.type === MessageType.App), 'the rebuilt append');
    const m = a.received.find((x) => x.type === MessageType.App)!;
    assert.deepEqual(
      [m.from, m.to, m.term, m.logTerm, m.index, m.commit, m.entries.length],
      ['f0', 'a', 2, 2, 3, 0, 2],
    );
    const before = a.received.length;
    const junk = new Uint8Array(16).fill(0xff);
    sock!.write(junk);
    await a.until(() => a.streams.get('f0/reader') === false, 'the bad stream closed');
    assert.equal(a.received.length, before);
  } finally {
    await a.stop();
    fake.closeAllConnections();
    await new Promise<void>((r) => fake.close(() => r()));
  }
});

test('the stream decoder: any chunking, limits and sequence checks', () => {
  const bytes = new Uint8Array([
    ...GO_STREAM_KEEPALIVE,
    ...encodeGoStreamBatch(entries(1, 3, 1)),
    ...encodeGoStreamBatch(entries(4, 1, 1)),
  ]);
  for (const step of [1, 3, 7, bytes.length]) {
    const got: number[][] = [];
    const d = new GoStreamDecoder((b) => got.push(b.map((e) => e.index)));
    for (let i = 0; i < bytes.length; i += step) d.push(bytes.subarray(i, i + step));
    assert.deepEqual(got, [[1, 2, 3], [4]], `chunks of ${step}`);
  }
  const huge = new Uint8Array(8).fill(0xff);
  assert.throws(() => new GoStreamDecoder(() => {}).push(huge), GoStreamError);
  const bigEntry = new Uint8Array(16);
  bigEntry[7] = 1; // one entry...
  bigEntry[8] = 0x7f; // ...of an absurd length
  assert.throws(() => new GoStreamDecoder(() => {}).push(bigEntry), GoStreamError);
  const gap = [...encodeGoStreamBatch(entries(1, 1, 1))];
  const two = encodeGoStreamBatch([...entries(1, 1, 1), ...entries(3, 1, 1)]);
  assert.ok(gap.length > 0);
  assert.throws(() => new GoStreamDecoder(() => {}).push(two), /out of sequence/);
});

test('peers identify each other as ours by the /version probe', async () => {
  const nodes = await startNodes(['a', 'b']);
  try {
    await nodes[0]!.until(
      () => nodes[0]!.transport.peerKind('b') === PeerKind.Ours,
      'b identified as ours',
    );
    assert.equal(nodes[0]!.transport.allPeersOurs(), true);
    nodes[0]!.transport.addPeer('z', ['http://127.0.0.1:9']);
    assert.equal(nodes[0]!.transport.allPeersOurs(), false, 'an unknown peer may be Go');
  } finally {
    await stopAll(nodes);
  }
});

test('peer-port fuzz: mutated and random bodies on both wires get 204 or 400, never a malformed message', async () => {
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 100000);
  let s = seed || 1;
  const rnd = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  const [a] = await startNodes(['a']);
  a!.transport.addPeer('b', ['http://127.0.0.1:9']);
  const valid = [goEncodeMessage(heartbeat('b', 'a')), goEncodeMessage(appAt('b', 'a', 3, 4, 3))];
  const { encodeFrames } = await import('../../src/peer/frame.js');
  const framed = encodeFrames([heartbeat('b', 'a'), appAt('b', 'a', 3, 4, 3)], 0, 2, null);
  try {
    for (let i = 0; i < 300; i++) {
      const go = rnd() < 0.5;
      const base = go ? valid[i % 2]! : framed;
      let body: Uint8Array;
      if (rnd() < 0.3) {
        body = new Uint8Array(Math.floor(rnd() * 200)).map(() => Math.floor(rnd() * 256));
      } else {
        body = Uint8Array.from(base);
        const flips = 1 + Math.floor(rnd() * 4);
        for (let f = 0; f < flips; f++)
          body[Math.floor(rnd() * body.length)] = Math.floor(rnd() * 256);
        if (rnd() < 0.3) body = body.subarray(0, Math.floor(rnd() * body.length));
      }
      const headers = go
        ? GO_HEADERS
        : {
            'Content-Type': 'application/octet-stream',
            'X-Etcd-Cluster-ID': 'c1',
            'X-Server-From': 'b',
          };
      const r = await post(a!.url, body, headers).catch((e) => {
        throw new Error(
          `seed ${seed} case ${i} (${go ? 'go' : 'ours'}, ${body.length} bytes ${Buffer.from(body).toString('hex')}): ${e.message}`,
        );
      });
      assert.ok(r.status === 204 || r.status === 400, `seed ${seed} case ${i}: status ${r.status}`);
    }
    // Our snapshot path: bodies that are not a whole snapshot message get 400.
    const { snapshotPrefix } = await import('../../src/peer/snapshot.js');
    const snap = newMessage(MessageType.Snap, 'a', 'b', 3);
    snap.snapshot = {
      data: new Uint8Array([1, 2, 3]),
      metadata: { index: 9, term: 3, confState: { voters: ['a', 'b'], learners: [] } },
    };
    const whole = Uint8Array.from([...snapshotPrefix(snap), 1, 2, 3]);
    const ourHeaders = {
      'Content-Type': 'application/octet-stream',
      'X-Etcd-Cluster-ID': 'c1',
      'X-Server-From': 'b',
    };
    for (let i = 0; i < 100; i++) {
      let body = Uint8Array.from(whole);
      if (i % 3 === 0) body = body.subarray(0, Math.floor(rnd() * body.length));
      else body[Math.floor(rnd() * body.length)] = Math.floor(rnd() * 256);
      const r = await post(a!.url, body, ourHeaders, '/raft/snapshot');
      assert.ok(
        r.status === 204 || r.status === 400,
        `seed ${seed} snapshot case ${i}: ${r.status}`,
      );
    }
    const { malformed } = await import('../../src/peer/validate.js');
    for (const m of a!.received)
      assert.equal(malformed(m), null, `seed ${seed}: delivered ${JSON.stringify(m)}`);
    const before = a!.received.length;
    assert.equal((await post(a!.url, valid[0]!, GO_HEADERS)).status, 204, `seed ${seed}`);
    await a!.until(() => a!.received.length === before + 1, 'a valid message after the fuzz');
  } finally {
    await stopAll([a!]);
  }
});

test('to a Go peer: one message per POST, never a type 2.0 lacks, acknowledgements collapsed', async () => {
  const posted: Message[] = [];
  const { goDecodeMessage } = await import('../../src/peer/go-codec.js');
  const fake = http.createServer((req, res) => {
    if (req.url === '/version') {
      res.writeHead(404);
      res.end();
      return;
    }
    if (req.method !== 'POST') {
      // Our own stream dial, tried before the probe answered: 2.0 refuses it (no term).
      res.writeHead(400);
      res.end('invalid term field\n');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      assert.equal(req.headers['content-type'], 'application/protobuf');
      assert.equal(req.headers['x-etcd-cluster-id'], 'c1');
      posted.push(goDecodeMessage(Buffer.concat(chunks)));
      res.writeHead(204);
      res.end();
    });
  });
  await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()));
  const a = await new TestNode('a').start();
  try {
    a.transport.addPeer('f0', [`http://127.0.0.1:${(fake.address() as AddressInfo).port}`]);
    await a.until(() => a.transport.peerKind('f0') === PeerKind.Go, 'f0 identified as Go');
    const acks = [3, 5, 4, 7, 6].map((i) => {
      const m = newMessage(MessageType.AppResp, 'f0', 'a', 2);
      m.index = i;
      return m;
    });
    const pre = newMessage(MessageType.PreVote, 'f0', 'a', 3);
    const readIndex = newMessage(MessageType.ReadIndex, 'f0', 'a', 2);
    a.transport.send([...acks, pre, readIndex, heartbeat('a', 'f0')]);
    await new Promise<void>((resolve) => {
      const check = () => (posted.length >= 2 ? setTimeout(resolve, 100) : setTimeout(check, 10));
      check();
    });
    assert.deepEqual(
      posted.map((m) => [m.type, m.index]).sort(),
      [
        [MessageType.AppResp, 7],
        [MessageType.Heartbeat, 0],
      ].sort(),
    );
  } finally {
    await a.stop();
    fake.closeAllConnections();
    await new Promise<void>((r) => fake.close(() => r()));
  }
});

test('message shape checks: what raft must never be handed', async () => {
  const { malformed } = await import('../../src/peer/validate.js');
  assert.equal(malformed(appAt('b', 'a', 3, 4, 3)), null);
  assert.equal(malformed(heartbeat('b', 'a')), null);
  const gap = appAt('b', 'a', 3, 4, 3);
  gap.entries[1]!.index = 9;
  assert.match(malformed(gap) ?? '', /out of sequence/);
  const future = appAt('b', 'a', 3, 4, 1);
  future.entries[0]!.term = 4;
  assert.match(malformed(future) ?? '', /of term 4/);
  const later = appAt('b', 'a', 3, 4, 1);
  later.logTerm = 5;
  assert.match(malformed(later) ?? '', /later term/);
  assert.match(malformed({ ...heartbeat('b', 'a'), type: MessageType.Hup }) ?? '', /type/);
  assert.match(malformed({ ...heartbeat('b', 'a'), type: 99 as MessageType }) ?? '', /type/);
  assert.match(malformed({ ...heartbeat('b', 'a'), from: '' }) ?? '', /sender/);
  assert.match(malformed(newMessage(MessageType.Snap, 'a', 'b', 3)) ?? '', /without a snapshot/);
  const hbWithEntries = heartbeat('b', 'a');
  hbWithEntries.entries = entries(1, 1, 1);
  assert.match(malformed(hbWithEntries) ?? '', /entries in a Heartbeat/);
});

test('raftpb as 2.0 writes it: round trip, 64-bit IDs, later fields skipped, bad bytes refused', async () => {
  const { goDecodeMessage: dec } = await import('../../src/peer/go-codec.js');
  const m = appAt('fedcba9876543210', '8000000000000001', 7, 41, 3);
  m.commit = 40;
  m.reject = true;
  m.rejectHint = 39;
  const back = dec(goEncodeMessage(m));
  assert.deepEqual(
    { ...back, entries: back.entries.map((e) => ({ ...e, data: [...e.data] })) },
    { ...m, entries: m.entries.map((e) => ({ ...e, data: [...e.data] })) },
  );
  const snap = newMessage(MessageType.Snap, 'a', 'b', 2);
  snap.snapshot = {
    data: new Uint8Array([123, 125]),
    metadata: {
      index: 12,
      term: 2,
      confState: { voters: ['a', 'ffffffffffffffff'], learners: [] },
    },
  };
  assert.deepEqual(dec(goEncodeMessage(snap)).snapshot?.metadata, snap.snapshot.metadata);
  // A heartbeat as etcd 2.0 encodes it, then a field 12 (a later version's Context).
  const hb = Uint8Array.from([
    0x08, 0x08, 0x10, 0x01, 0x18, 0x02, 0x20, 0x05, 0x28, 0x00, 0x30, 0x00, 0x40, 0x03, 0x4a, 0x06,
    0x12, 0x04, 0x0a, 0x00, 0x10, 0x00, 0x50, 0x00, 0x58, 0x00, 0x62, 0x02, 0x68, 0x69,
  ]);
  const h = dec(hb);
  assert.deepEqual(
    [h.type, h.to, h.from, h.term, h.commit],
    [MessageType.Heartbeat, '1', '2', 5, 3],
  );
  assert.throws(() => dec(hb.subarray(0, 15)), ProtoError);
  assert.throws(() => dec(Uint8Array.from([0x08, 0xff, 0xff])), ProtoError);
  assert.throws(() => dec(Uint8Array.from([0x0a, 0x01, 0x00])), /wrong wire type/);
});
