// bin/etcd and bin/etcd-migrate on real etcd 0.4.9 data dirs: the upgraded member serves
// 0.4.9's keyspace (keys whose TTL ran out since are gone, as they would be in 0.4), keeps
// its 0.4 identity, accepts writes and survives a restart; the 3-node cluster comes back
// upgraded member by member or all at once; the standby's dir starts a proxy. Ports: each
// fixture's 0.4 ports are moved to reserved ones before the upgrade (copyFixture).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { computeMemberId } from '../../src/pkg/ids.js';
import { reservePorts } from '../helpers/ports.js';
import { type Started, start, tempDir, waitFor } from '../helpers/process.js';
import {
  BIN_ETCD,
  BIN_MIGRATE,
  copyFixture,
  DATA,
  type Flat,
  loadView04,
  type PortMap,
} from './fixtures.js';
import { assertKeyspace, get, leaderUp, url } from './live.js';

const tmp = tempDir('migrate04-start-');
const running = new Set<Started>();
after(async () => {
  for (const p of running) await p.stop();
  tmp.remove();
});

interface Node {
  name: string;
  dir: string;
  client: number;
  peer: number;
  proc: Started | null;
}

function startNode(n: Node, extra: string[] = [], withName = true): Started {
  const p = start(process.execPath, [
    BIN_ETCD,
    ...(withName ? ['--name', n.name] : []),
    '--data-dir',
    n.dir,
    '--listen-client-urls',
    url(n.client),
    '--advertise-client-urls',
    url(n.client),
    '--listen-peer-urls',
    url(n.peer),
    ...extra,
  ]);
  running.add(p);
  n.proc = p;
  return p;
}

async function stopNode(n: Node): Promise<void> {
  if (n.proc === null) return;
  await n.proc.stop();
  running.delete(n.proc);
  n.proc = null;
}

async function node(name: string, rel: string, ports: PortMap, client: number, peer: number) {
  const dir = copyFixture(rel, join(tmp.path, `${name}-${client}`), ports);
  return { name, dir, client, peer, proc: null } as Node;
}

describe('bin/etcd on a 0.4.9 single node (snapshot + log tail)', () => {
  it('upgrades at start, serves 0.4.9 keyspace, keeps its identity, takes writes, survives a restart', async () => {
    const [client, peer] = await reservePorts(2);
    const ports = new Map([
      [42001, client!],
      [42002, peer!],
    ]);
    const n = await node('node1', DATA.single, ports, client!, peer!);
    const want = loadView04('single', ports);
    const p = startNode(n);
    await leaderUp(client!);
    assert.match(p.output(), /etcd: upgraded .*member node1/);
    await assertKeyspace(client!, want);
    const members = JSON.parse((await get(client!, '/v2/members')).body) as {
      members: { id: string; name: string; peerURLs: string[] }[];
    };
    assert.deepEqual(
      members.members.map((m) => [m.id, m.name, m.peerURLs]),
      [[computeMemberId([url(peer!)], 'etcd-cluster'), 'node1', [url(peer!)]]],
    );
    const put = await fetch(`${url(client!)}/v2/keys/after-upgrade`, {
      method: 'PUT',
      body: new URLSearchParams({ value: 'ok' }),
    });
    assert.equal(put.status, 201);
    const idx = (JSON.parse(await put.text()) as { node: { createdIndex: number } }).node
      .createdIndex;
    assert.ok(idx > 354, `a new write follows 0.4's last index (got ${idx})`);
    const posted = await fetch(`${url(client!)}/v2/keys/queueB`, {
      method: 'POST',
      body: new URLSearchParams({ value: 'q3' }),
    });
    assert.equal(posted.status, 201);
    const q3 = (JSON.parse(await posted.text()) as { node: { key: string } }).node.key;
    await stopNode(n);

    startNode(n);
    await leaderUp(client!);
    assert.doesNotMatch(n.proc!.output(), /upgrading/);
    assert.equal(JSON.parse((await get(client!, '/v2/keys/after-upgrade')).body).node.value, 'ok');
    await assertKeyspace(client!, want, ['/after-upgrade', q3]);
    await stopNode(n);
  });
});

describe('bin/etcd-migrate', () => {
  it('upgrades a node without snapshots (name from conf); a second run is a no-op; bin/etcd serves it', async () => {
    const [client, peer] = await reservePorts(2);
    const ports = new Map([
      [42021, client!],
      [42022, peer!],
    ]);
    const n = await node('solo', DATA.nosnap, ports, client!, peer!);
    const m = start(process.execPath, [BIN_MIGRATE, `--data-dir=${n.dir}`]);
    assert.equal(await m.exited, 0, m.output());
    assert.match(m.output(), /upgraded .*member solo/);
    const again = start(process.execPath, [BIN_MIGRATE, '--data-dir', n.dir, '--name', 'solo']);
    assert.equal(await again.exited, 0);
    assert.match(again.output(), /already a 2\.0 member dir; nothing to do/);
    startNode(n);
    await leaderUp(client!);
    await assertKeyspace(client!, loadView04('nosnap', ports));
    await stopNode(n);
  });

  it('refuses a broken dir with the reason and exit 1', async () => {
    const dir = copyFixture(DATA.nosnap, join(tmp.path, 'broken'));
    const { rmSync } = await import('node:fs');
    rmSync(join(dir, 'conf'));
    const m = start(process.execPath, [BIN_MIGRATE, '--data-dir', dir]);
    assert.equal(await m.exited, 1);
    assert.match(
      m.output(),
      /Failed migrating data-dir: .* looks like an etcd 0\.4 data dir but has no conf/,
    );
    const e = start(process.execPath, [BIN_MIGRATE]);
    assert.equal(await e.exited, 1);
    assert.match(e.output(), /Must provide -data-dir flag/);
  });

  it('bin/etcd on a broken 0.4 dir exits 1 with the reason instead of starting an empty cluster', async () => {
    const [client, peer] = await reservePorts(2);
    const n: Node = {
      name: 'solo',
      dir: copyFixture(DATA.nosnap, join(tmp.path, 'broken2')),
      client: client!,
      peer: peer!,
      proc: null,
    };
    const { rmSync, existsSync } = await import('node:fs');
    rmSync(join(n.dir, 'conf'));
    const p = startNode(n);
    assert.equal(await p.exited, 1);
    running.delete(p);
    assert.match(p.output(), /etcd: .* looks like an etcd 0\.4 data dir but has no conf/);
    assert.ok(!existsSync(join(n.dir, 'member')));
  });
});

describe('the 0.4.9 3-node cluster and its standby', () => {
  async function cluster(): Promise<{ nodes: Node[]; ports: PortMap; standby: Node }> {
    const p = await reservePorts(8);
    // 0.4 ports: node1 42101/42102, node2 42103/42104, node3 42105/42107 (ports04.sh).
    const ports = new Map([
      [42101, p[0]!],
      [42102, p[1]!],
      [42103, p[2]!],
      [42104, p[3]!],
      [42105, p[4]!],
      [42107, p[5]!],
    ]);
    const nodes = [
      await node('node1', DATA.node1, ports, p[0]!, p[1]!),
      await node('node2', DATA.node2, ports, p[2]!, p[3]!),
      await node('node3', DATA.node3, ports, p[4]!, p[5]!),
    ];
    const standby = await node('node4', DATA.standby, ports, p[6]!, p[7]!);
    return { nodes, ports, standby };
  }

  async function checkCluster(nodes: Node[], want: Flat): Promise<void> {
    for (const n of nodes) await assertKeyspace(n.client, want, ['/after-upgrade']);
    const put = await fetch(`${url(nodes[0]!.client)}/v2/keys/after-upgrade`, {
      method: 'PUT',
      body: new URLSearchParams({ value: 'ok' }),
    });
    assert.ok(put.status === 200 || put.status === 201, `PUT: ${put.status}`);
    for (const n of nodes) {
      await waitFor(
        async () => (await get(n.client, '/v2/keys/after-upgrade')).status === 200,
        `the write on ${n.name}`,
      );
    }
    const members = JSON.parse((await get(nodes[1]!.client, '/v2/members')).body) as {
      members: { name: string; peerURLs: string[] }[];
    };
    assert.deepEqual(
      members.members.map((m) => `${m.name}=${m.peerURLs.join()}`).sort(),
      nodes.map((n) => `${n.name}=${url(n.peer)}`).sort(),
    );
  }

  it('upgraded member by member (etcd-migrate, then start one at a time), restarted, and the standby as a proxy', async () => {
    const { nodes, ports, standby } = await cluster();
    const want = loadView04('cluster3', ports);
    const m = start(process.execPath, [
      BIN_MIGRATE,
      '--data-dir',
      nodes[0]!.dir,
      '--name',
      'node1',
    ]);
    assert.equal(await m.exited, 0, m.output());
    startNode(nodes[0]!);
    startNode(nodes[1]!); // upgraded at its own start
    await leaderUp(nodes[0]!.client);
    startNode(nodes[2]!);
    await leaderUp(nodes[2]!.client);
    await checkCluster(nodes, want);

    // The standby's dir: a proxy of the upgraded cluster (its 0.4 info had no peer list).
    const px = startNode(standby, [
      '--initial-cluster',
      nodes.map((n) => `${n.name}=${url(n.peer)}`).join(','),
    ]);
    await waitFor(
      async () => (await get(standby.client, '/v2/keys/plainA')).status === 200,
      'the proxy',
    );
    assert.match(px.output(), /standby .* becomes a proxy/);
    assert.equal(JSON.parse((await get(standby.client, '/v2/keys/plainA')).body).node.value, 'vA');
    await stopNode(standby);

    for (const n of nodes) await stopNode(n);
    for (const n of nodes) startNode(n);
    await leaderUp(nodes[1]!.client);
    for (const n of nodes) await assertKeyspace(n.client, want, ['/after-upgrade']);
    for (const n of nodes) await stopNode(n);
  });

  it('upgraded all at once by starting the three 0.4 dirs together', async () => {
    const { nodes, ports } = await cluster();
    for (const n of nodes) startNode(n);
    await leaderUp(nodes[0]!.client);
    await checkCluster(nodes, loadView04('cluster3', ports));
    for (const n of nodes) await stopNode(n);
  });
});
