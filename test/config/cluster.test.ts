// The cluster model: --initial-cluster parsing, IDs, bootstrap checks with etcd's
// messages, the JSON shapes, and learning a running cluster from its peers.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { computeClusterId, computeMemberId } from '../../src/pkg/ids.js';
import {
  Cluster,
  ClusterConfigError,
  checkClusterIdMatch,
  newMember,
  remotePeerURLs,
  setupCluster,
  validateClusterAndAssignIds,
  verifyBootstrap,
  verifyJoinExisting,
} from '../../src/discovery/cluster.js';
import {
  fetchExistingCluster,
  getClusterFromRemotePeers,
  isMemberBootstrapped,
} from '../../src/discovery/peer-members.js';
import { reservePort } from '../helpers/ports.js';

const three =
  'infra0=http://10.0.1.10:2380,infra1=http://10.0.1.11:2380,infra2=http://10.0.1.12:2380';

function rejects(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => e instanceof ClusterConfigError && e.message === message);
}

async function rejectsAsync(p: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ClusterConfigError);
    assert.equal((e as Error).message, message);
    return true;
  });
}

describe('Cluster.fromString', () => {
  it('builds members with IDs from URLs and token, and the cluster ID from them', () => {
    const c = Cluster.fromString('etcd-cluster-1', three);
    assert.equal(c.size, 3);
    const m = c.memberByName('infra1')!;
    assert.equal(m.id, computeMemberId(['http://10.0.1.11:2380'], 'etcd-cluster-1'));
    assert.deepEqual(m.peerURLs, ['http://10.0.1.11:2380']);
    assert.deepEqual(m.clientURLs, []);
    assert.equal(c.id, computeClusterId(c.memberIds()));
    assert.notEqual(c.id, Cluster.fromString('etcd-cluster-2', three).id);
    assert.equal(c.toString(), three);
    assert.deepEqual(c.peerURLs(), [
      'http://10.0.1.10:2380',
      'http://10.0.1.11:2380',
      'http://10.0.1.12:2380',
    ]);
  });

  it('a repeated name gives one member several URLs', () => {
    const c = Cluster.fromString('t', 'a=http://127.0.0.1:2,a=http://127.0.0.1:1');
    assert.equal(c.size, 1);
    assert.deepEqual(c.memberByName('a')!.peerURLs, ['http://127.0.0.1:1', 'http://127.0.0.1:2']);
  });

  it('members are listed by ID; names are unescaped like a query string', () => {
    const c = Cluster.fromString('t', three);
    const ids = c.members().map((m) => BigInt(`0x${m.id}`));
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => (a < b ? -1 : 1)),
    );
    assert.ok(Cluster.fromString('t', 'my%20node=http://1.1.1.1:1').memberByName('my node'));
  });

  it("rejects with etcd's messages", () => {
    rejects(() => Cluster.fromString('t', 'a='), 'Empty URL given for "a"');
    rejects(() => Cluster.fromString('t', 'a'), 'Empty URL given for "a"');
    rejects(() => Cluster.fromString('t', 'a=foo'), 'URL scheme must be http or https: foo');
    rejects(
      () => Cluster.fromString('t', 'a=http://1.1.1.1'),
      'URL address does not have the form "host:port": http://1.1.1.1',
    );
    rejects(() => Cluster.fromString('t', 'a%zz=http://1.1.1.1:1'), 'invalid URL escape "%zz"');
    const dupId = Cluster.fromString('t', 'a=http://1.1.1.1:1').memberByName('a')!.id;
    rejects(
      () => Cluster.fromString('t', 'a=http://1.1.1.1:1,b=http://1.1.1.1:1'),
      `Member exists with identical ID &{${dupId} {[http://1.1.1.1:1]} {b []}}`,
    );
    rejects(
      () => setupCluster('t', 'a=foo'),
      'error setting up initial cluster: URL scheme must be http or https: foo',
    );
  });

  it('validate: a URL may appear once', () => {
    const c = Cluster.fromString('t', 'a=http://1.1.1.1:1,b=http://1.1.1.1:1,b=http://1.1.1.1:2');
    rejects(() => c.validate(), 'duplicate url http://1.1.1.1:1 in cluster config');
  });
});

describe('bootstrap checks', () => {
  const resolver = async (host: string) => {
    if (host === 'infra0.example.com') return '10.0.1.10';
    throw new Error(`no such host ${host}`);
  };

  it('accepts a member whose advertised URLs match its entry', async () => {
    const c = Cluster.fromString('t', three);
    const m = await verifyBootstrap(c, 'infra0', ['http://10.0.1.10:2380'], '');
    assert.equal(m.name, 'infra0');
  });

  it('not listed in the initial cluster', async () => {
    const c = Cluster.fromString('t', 'infra0=http://10.0.1.10:2380,infra2=http://10.0.1.12:2380');
    await rejectsAsync(
      verifyBootstrap(c, 'infra1', ['http://10.0.1.11:2380'], ''),
      'infra1 not listed in the initial cluster config',
    );
    await rejectsAsync(
      verifyJoinExisting(c, 'infra1', ''),
      'infra1 not listed in the initial cluster config',
    );
  });

  it('advertised URLs mismatch, including http vs https', async () => {
    const c = Cluster.fromString('t', three);
    const msg = 'infra0 has different advertised URLs in the cluster and advertised peer URLs list';
    await rejectsAsync(verifyBootstrap(c, 'infra0', ['http://127.0.0.1:2380'], ''), msg);
    await rejectsAsync(verifyBootstrap(c, 'infra0', ['https://10.0.1.10:2380'], ''), msg);
    await rejectsAsync(
      verifyBootstrap(c, 'infra0', ['http://10.0.1.10:2380', 'http://10.0.1.10:7001'], ''),
      msg,
    );
  });

  it('a host name equals the IP it resolves to', async () => {
    const c = Cluster.fromString('t', 'infra0=http://infra0.example.com:2380');
    const m = await verifyBootstrap(c, 'infra0', ['http://10.0.1.10:2380'], '', resolver);
    assert.equal(m.name, 'infra0');
  });

  it('duplicate URLs are caught at bootstrap', async () => {
    const c = Cluster.fromString('t', 'a=http://1.1.1.1:1,b=http://1.1.1.1:1,b=http://1.1.1.1:2');
    await rejectsAsync(
      verifyBootstrap(c, 'a', ['http://1.1.1.1:1'], ''),
      'duplicate url http://1.1.1.1:1 in cluster config',
    );
  });

  it('joining an existing cluster: no strict URL check, no discovery', async () => {
    const c = Cluster.fromString('t', three);
    assert.equal((await verifyJoinExisting(c, 'infra0', '')).name, 'infra0');
    await rejectsAsync(
      verifyJoinExisting(c, 'infra0', 'http://d/x'),
      'discovery URL should not be set when joining existing initial cluster',
    );
    assert.deepEqual(remotePeerURLs(c, 'infra0'), [
      'http://10.0.1.11:2380',
      'http://10.0.1.12:2380',
    ]);
  });

  it('conflicting cluster ID', () => {
    checkClusterIdMatch('c6ab534d07e8fcc4', 'c6ab534d07e8fcc4');
    rejects(
      () => checkClusterIdMatch('bc25ea2a74fb18b0', 'c6ab534d07e8fcc4'),
      'conflicting cluster ID to the target cluster (c6ab534d07e8fcc4 != bc25ea2a74fb18b0). Exiting.',
    );
  });

  it('validateClusterAndAssignIds takes the running IDs or explains the mismatch', async () => {
    const existing = Cluster.fromString('running', three);
    const local = Cluster.fromString('other-token', three);
    await validateClusterAndAssignIds(local, existing);
    assert.equal(local.id, existing.id);
    assert.deepEqual(local.memberIds(), existing.memberIds());

    const fewer = Cluster.fromString('x', 'infra0=http://10.0.1.10:2380');
    await rejectsAsync(
      validateClusterAndAssignIds(fewer, existing),
      `error validating peerURLs ${three}: member count is unequal`,
    );
    const moved = Cluster.fromString('x', three.replace('10.0.1.12', '10.0.1.13'));
    await rejectsAsync(
      validateClusterAndAssignIds(moved, existing),
      `error validating peerURLs ${three}: unmatched member while checking PeerURLs`,
    );
  });
});

describe('runtime membership', () => {
  it('members added at runtime hash the time too; removed IDs are remembered', () => {
    const c = Cluster.fromString('t', 'a=http://1.1.1.1:1');
    const m = newMember('', ['http://1.1.1.1:2'], 't', 1_500_000_000_000);
    assert.equal(m.id, computeMemberId(['http://1.1.1.1:2'], 't', 1_500_000_000_000));
    c.addMember(m);
    assert.equal(c.size, 2);
    c.updatePeerURLs(m.id, ['http://1.1.1.1:4', 'http://1.1.1.1:3']);
    assert.deepEqual(c.member(m.id)!.peerURLs, ['http://1.1.1.1:3', 'http://1.1.1.1:4']);
    c.removeMember(m.id);
    assert.equal(c.member(m.id), undefined);
    assert.ok(c.isIdRemoved(m.id));
  });

  it('JSON shapes: client API and peer API', () => {
    const c = Cluster.fromString('t', 'a=http://1.1.1.1:1');
    const id = c.memberIds()[0]!;
    assert.equal(
      c.membersJSON(),
      `{"members":[{"id":"${id}","name":"a","peerURLs":["http://1.1.1.1:1"],"clientURLs":[]}]}`,
    );
    assert.equal(
      c.peerMembersJSON(),
      `[{"id":"${id}","peerURLs":["http://1.1.1.1:1"],"name":"a"}]`,
    );
    c.updateAttributes(id, 'a<b>', ['http://1.1.1.1:9']);
    assert.equal(
      c.membersJSON(),
      `{"members":[{"id":"${id}","name":"a\\u003cb\\u003e","peerURLs":["http://1.1.1.1:1"],"clientURLs":["http://1.1.1.1:9"]}]}`,
    );
  });
});

describe('cluster from remote peers', () => {
  it("asks each peer URL until one answers; fails with etcd's error otherwise", async () => {
    const running = Cluster.fromString('t', 'a=http://1.1.1.1:1,b=http://1.1.1.2:1');
    const [aId] = running.memberIds();
    running.updateAttributes(aId!, running.member(aId!)!.name, ['http://1.1.1.1:9']);
    const srv = createServer((req, res) => {
      assert.equal(req.url, '/members');
      res.setHeader('X-Etcd-Cluster-ID', running.id);
      res.setHeader('Content-Type', 'application/json');
      res.end(running.peerMembersJSON());
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const good = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    const dead = `http://127.0.0.1:${await reservePort()}`;
    try {
      const errors: string[] = [];
      const got = await getClusterFromRemotePeers([dead, good], { onError: (l) => errors.push(l) });
      assert.equal(got.id, running.id);
      assert.deepEqual(got.members(), running.members());
      assert.equal(errors.length, 1);
      assert.match(
        errors[0]!,
        /^etcdserver: could not get cluster response from http:\/\/127\.0\.0\.1:\d+: /,
      );
      assert.equal(await isMemberBootstrapped([good], aId!), true);
      assert.equal(await isMemberBootstrapped([good], running.memberIds()[1]!), false);
      assert.equal(await isMemberBootstrapped([dead], aId!), false);
      await rejectsAsync(
        fetchExistingCluster([dead]),
        'cannot fetch cluster info from peer urls: etcdserver: could not retrieve cluster information from the given urls',
      );
    } finally {
      await new Promise((r) => srv.close(r));
    }
  });
});
