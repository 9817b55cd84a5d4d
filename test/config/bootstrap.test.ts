// A new member's initial cluster from --initial-cluster, DNS SRV or the discovery service
// (Debian's etcd as the discovery service), and the "already bootstrapped" refusal.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { computeMemberId } from '../../src/pkg/ids.js';
import { Cluster, ClusterConfigError } from '../../src/discovery/cluster.js';
import {
  type BootstrapInput,
  bootstrapNewCluster,
  provisionalCluster,
} from '../../src/embed/bootstrap.js';
import { referenceSkip, startReference } from '../helpers/reference.js';

const base: BootstrapInput = {
  name: 'infra0',
  apurls: ['http://10.0.1.10:2380'],
  initialCluster: 'infra0=http://10.0.1.10:2380,infra1=http://10.0.1.11:2380',
  initialClusterToken: 'tok',
  discovery: '',
  discoveryProxy: '',
  discoverySrv: '',
  log: () => {},
};

describe('bootstrap of a new member', () => {
  it('static: --initial-cluster and the token', async () => {
    // Peers unreachable (documentation addresses): not bootstrapped before.
    const { cluster, self } = await bootstrapNewCluster({
      ...base,
      initialCluster: 'infra0=http://10.0.1.10:2380',
    });
    assert.equal(self.id, computeMemberId(['http://10.0.1.10:2380'], 'tok'));
    assert.equal(cluster.id, Cluster.fromString('tok', 'infra0=http://10.0.1.10:2380').id);
  });

  it("static errors carry etcd's messages", async () => {
    await assert.rejects(bootstrapNewCluster({ ...base, name: 'infra9' }), {
      message: 'infra9 not listed in the initial cluster config',
    });
    await assert.rejects(bootstrapNewCluster({ ...base, initialCluster: 'infra0=ftp://x:1' }), {
      message: 'error setting up initial cluster: URL scheme must be http or https: ftp://x:1',
    });
  });

  it('refuses a member the running cluster already knows', async () => {
    const running = Cluster.fromString(
      'tok',
      'infra0=http://127.0.0.1:1,infra1=http://127.0.0.1:2',
    );
    const id0 = running.memberByName('infra0')!.id;
    running.updateAttributes(id0, 'infra0', ['http://127.0.0.1:3']);
    const srv = createServer((_req, res) => {
      res.setHeader('X-Etcd-Cluster-ID', running.id);
      res.end(running.peerMembersJSON());
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const peer = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    try {
      await assert.rejects(
        bootstrapNewCluster({
          ...base,
          apurls: ['http://127.0.0.1:1'],
          initialCluster: `infra0=http://127.0.0.1:1,infra1=${peer}`,
        }),
        (e: unknown) =>
          e instanceof ClusterConfigError &&
          /^member [0-9a-f]+ has already been bootstrapped$/.test(e.message),
      );
    } finally {
      await new Promise((r) => srv.close(r));
    }
  });

  it('DNS SRV: records give the initial cluster', async () => {
    const c = await provisionalCluster({
      ...base,
      initialCluster: '',
      discoverySrv: 'example.com',
      resolveSrv: async (n) => {
        if (n !== '_etcd-server._tcp.example.com')
          throw Object.assign(new Error('nx'), { code: 'ENOTFOUND' });
        return [
          { name: 'infra0.example.com.', port: 2380 },
          { name: 'infra1.example.com.', port: 2380 },
        ];
      },
      resolver: async (h) => (h === 'infra0.example.com' ? '10.0.1.10' : '10.0.1.11'),
    });
    assert.equal(
      c.toString(),
      '0=http://infra1.example.com:2380,infra0=http://infra0.example.com:2380',
    );
    assert.equal(c.token, 'tok');
  });

  it('discovery: three members bootstrap through a v2 server', async (t) => {
    const skip = referenceSkip();
    if (skip) return t.skip(skip);
    const ref = await startReference('disco-boot');
    try {
      const durl = `${ref.clientUrl}/v2/keys/discovery/boot${process.pid}`;
      const r = await fetch(`${durl}/_config/size`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'value=3',
      });
      assert.equal(r.status, 201);
      const names = ['infra0', 'infra1', 'infra2'];
      const results = await Promise.all(
        names.map((name, i) =>
          bootstrapNewCluster({
            ...base,
            name,
            apurls: [`http://10.0.1.${10 + i}:2380`],
            initialCluster: '',
            discovery: durl,
          }),
        ),
      );
      const ids = new Set(results.map((x) => x.cluster.id));
      assert.equal(ids.size, 1);
      assert.deepEqual(
        results.map((x) => x.self.name),
        names,
      );
      for (const x of results) {
        assert.equal(x.cluster.size, 3);
        assert.equal(x.self.id, computeMemberId(x.self.peerURLs, durl));
      }
    } finally {
      await ref.stop();
    }
  });
});
