// Our raft and peer transport in one cluster with a real Go etcd 2.0.13 member. Our side
// is a bare raft node (RawNode, memory storage, our Transport) that stores Go's entries
// without applying them: this proves the wire and raft's behaviour on it, whatever the
// entries hold. Leadership goes both ways; client writes through the Go member commit
// under either leader, over POST /raft and over the 2.0 append stream in both directions.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { LogLevel, Logger } from '../../src/pkg/logger.js';
import { computeClusterId, computeMemberId } from '../../src/pkg/ids.js';
import { PeerKind, Transport } from '../../src/peer/transport.js';
import { RawNode } from '../../src/raft/rawnode.js';
import { MemoryStorage } from '../../src/raft/storage.js';
import { StateType } from '../../src/raft/types.js';
import { GO_ETCD, goEtcdSkip } from '../helpers/go-etcd.js';
import { reservePorts } from '../helpers/ports.js';
import { start, tempDir, waitFor } from '../helpers/process.js';

const skip = goEtcdSkip('etcd');
const TICK_MS = 50;

class BareMember {
  readonly storage: MemoryStorage;
  readonly node: RawNode;
  readonly transport: Transport;
  readonly server: http.Server;
  readonly streams = new Map<string, boolean>();
  ticking = true;
  private timer: NodeJS.Timeout;

  constructor(
    readonly id: string,
    peerId: string,
    peerUrl: string,
    clusterId: string,
    readonly logs: string[],
  ) {
    this.storage = new MemoryStorage({ voters: [id, peerId], learners: [] });
    let seed = 7;
    this.node = new RawNode({
      id,
      electionTick: 10,
      heartbeatTick: 1,
      storage: this.storage,
      applied: 0,
      maxSizePerMsg: 1 << 20,
      maxInflightMsgs: 256,
      checkQuorum: false,
      preVote: false,
      random: () => {
        seed = (seed * 16807) % 2147483647;
        return seed / 2147483647;
      },
    });
    this.transport = new Transport({
      id,
      clusterId,
      logger: new Logger((l) => logs.push(l), LogLevel.Debug),
      onMessage: (m) => {
        this.node.step(m);
        this.pump();
      },
      onUnreachable: (p) => this.node.reportUnreachable(p),
      onSnapshotStatus: (p, ok) => this.node.reportSnapshot(p, ok),
      onStreamStatus: (p, dir, up) => this.streams.set(`${p}/${dir}`, up),
    });
    this.transport.addPeer(peerId, [peerUrl]);
    this.server = http.createServer((req, res) => {
      if (!this.transport.handler(req, res)) {
        res.writeHead(404);
        res.end();
      }
    });
    this.timer = setInterval(() => {
      if (!this.ticking) return;
      this.node.tick();
      this.pump();
    }, TICK_MS);
  }

  pump(): void {
    while (this.node.hasReady()) {
      const rd = this.node.ready();
      if (rd.entries.length > 0) this.storage.append(rd.entries);
      if (rd.hardState !== null) this.storage.setHardState(rd.hardState);
      this.transport.send(rd.messages);
      this.node.advance(rd);
    }
  }

  close(): Promise<void> {
    clearInterval(this.timer);
    this.transport.close();
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

async function putThrough(url: string, key: string, value: string): Promise<number> {
  const r = await fetch(`${url}/v2/keys/${key}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `value=${value}`,
    signal: AbortSignal.timeout(3000),
  });
  await r.arrayBuffer();
  return r.status;
}

test('a bare raft node of ours and a Go 2.0.13 member: leadership both ways, writes commit', {
  skip,
  timeout: 120_000,
}, async (t) => {
  const [goClient, goPeer, ourPeer] = await reservePorts(3);
  const token = `wire-${process.pid}`;
  const goUrl = `http://127.0.0.1:${goPeer}`;
  const ourUrl = `http://127.0.0.1:${ourPeer}`;
  const goId = computeMemberId([goUrl], token);
  const ourId = computeMemberId([ourUrl], token);
  const clusterId = computeClusterId([goId, ourId]);
  const logs: string[] = [];
  const ours = new BareMember(ourId, goId, goUrl, clusterId, logs);
  await new Promise<void>((r) => ours.server.listen(ourPeer, '127.0.0.1', () => r()));
  const dir = tempDir('wire-interop');
  const client = `http://127.0.0.1:${goClient}`;
  const go = start(GO_ETCD.etcd, [
    '--name',
    'go0',
    '--data-dir',
    `${dir.path}/go0`,
    '--listen-client-urls',
    client,
    '--advertise-client-urls',
    client,
    '--listen-peer-urls',
    goUrl,
    '--initial-advertise-peer-urls',
    goUrl,
    '--initial-cluster',
    `go0=${goUrl},ours=${ourUrl}`,
    '--initial-cluster-token',
    token,
    '--heartbeat-interval',
    String(TICK_MS),
    '--election-timeout',
    String(10 * TICK_MS),
  ]);
  t.after(async () => {
    await go.stop('SIGKILL');
    await ours.close();
    dir.remove();
  });
  const fail = (what: string) =>
    `${what}\n--- go\n${go.output().slice(-4000)}\n--- ours\n${logs.slice(-40).join('\n')}`;
  try {
    await waitFor(
      async () => [200, 201].includes(await putThrough(client, 'first', '1')),
      'a first write',
      30_000,
    );
  } catch {
    assert.fail(fail('no write committed'));
  }
  assert.equal(ours.transport.peerKind(goId), PeerKind.Go);

  // Our node leads: it campaigns; Go votes for it, follows, forwards its proposals to it.
  for (let i = 0; i < 20 && ours.node.state !== StateType.Leader; i++) {
    ours.node.campaign();
    ours.pump();
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.equal(ours.node.state, StateType.Leader, fail('our node did not win'));
  for (let i = 0; i < 20; i++) {
    assert.equal(
      await putThrough(client, `under-ours-${i}`, String(i)),
      201,
      fail(`write ${i} under our leader`),
    );
  }
  await waitFor(
    () => ours.streams.get(`${goId}/writer`) === true,
    'Go reading our append stream',
    10_000,
  ).catch(() => assert.fail(fail('Go never opened the append stream on us')));
  assert.ok(ours.transport.counters.streamWrites > 0, 'appends went on the 2.0 stream');

  // Go leads: our node stops ticking (no heartbeats), Go campaigns and wins our vote.
  ours.ticking = false;
  await waitFor(
    () => ours.node.state === StateType.Follower && ours.node.lead === goId,
    'Go to lead',
    20_000,
  ).catch(() => assert.fail(fail('Go did not take over')));
  ours.ticking = true;
  for (let i = 0; i < 20; i++) {
    assert.equal(
      await putThrough(client, `under-go-${i}`, String(i)),
      201,
      fail(`write ${i} under the Go leader`),
    );
  }
  await waitFor(
    () => ours.streams.get(`${goId}/reader`) === true,
    'our reader of the Go stream',
    10_000,
  ).catch(() => assert.fail(fail('we never opened the Go leader stream')));
  // Every value is there, through Go's own (quorum) reads.
  for (let i = 0; i < 20; i++) {
    const r = await fetch(`${client}/v2/keys/under-ours-${i}?quorum=true`);
    const body = (await r.json()) as { node?: { value?: string } };
    assert.equal(body.node?.value, String(i));
  }
  assert.ok(ours.storage.lastIndex() > 40, 'our log holds the entries');
});
