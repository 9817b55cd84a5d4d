// Member and cluster IDs: known vectors, and the same IDs as Debian's etcd computes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeClusterId, computeMemberId, idFromString, idToString } from '../../src/pkg/ids.js';
import { Cluster, newRuntimeMember } from '../../src/discovery/cluster.js';
import { startReference } from '../helpers/reference.js';
import { reservePorts } from '../helpers/ports.js';
import { start, tempDir, waitFor } from '../helpers/process.js';
import { REFERENCE_ETCD, referenceSkip } from '../helpers/reference.js';

describe('ids', () => {
  it('hex without leading zeros, round trip', () => {
    assert.equal(idToString(0x0abcn), 'abc');
    assert.equal(idFromString('00ff'), 255n);
    assert.throws(() => idFromString('xyz'));
    assert.throws(() => idFromString('12345678901234567'));
  });

  it('member ID ignores URL order and depends on the token and the time', () => {
    const a = computeMemberId(['http://10.0.0.2:2380', 'http://10.0.0.1:2380'], 'tok');
    const b = computeMemberId(['http://10.0.0.1:2380', 'http://10.0.0.2:2380'], 'tok');
    assert.equal(a, b);
    assert.notEqual(a, computeMemberId(['http://10.0.0.1:2380', 'http://10.0.0.2:2380'], 'tok2'));
    const t = computeMemberId(['http://10.0.0.1:2380'], 'tok', 1_420_000_000_999);
    assert.equal(t, computeMemberId(['http://10.0.0.1:2380'], 'tok', 1_420_000_000_000));
    assert.notEqual(t, computeMemberId(['http://10.0.0.1:2380'], 'tok'));
  });

  // Vectors from etcd 2's own tests (etcdserver/member_test.go TestMemberTime).
  it('matches etcd 2 test vectors', () => {
    const t1984 = Date.parse('1984-12-23T15:04:05Z');
    const dec = (id: string) => BigInt(`0x${id}`).toString(10);
    assert.equal(dec(computeMemberId(['http://10.0.0.8:2379'], '')), '14544069596553697298');
    assert.equal(dec(computeMemberId(['http://10.0.0.8:2379'], '', t1984)), '2448790162483548276');
    assert.equal(
      dec(computeMemberId(['http://10.0.0.8:2379'], 'etcd', t1984)),
      '6973882743191604649',
    );
    assert.equal(dec(computeMemberId(['http://10.0.0.1:2379'], '', t1984)), '1466075294948436910');
    const two = ['http://10.0.0.2:2379', 'http://10.0.0.1:2379'];
    assert.equal(dec(computeMemberId(two, '')), '16552244735972308939');
  });

  it('cluster ID hashes the sorted member IDs', () => {
    const x = computeClusterId(['1', '2', '3']);
    assert.equal(x, computeClusterId(['3', '1', '2']));
    assert.notEqual(x, computeClusterId(['1', '2']));
  });

  it('equals Debian etcd for a member with two peer URLs and a custom token', async (t) => {
    const skip = referenceSkip();
    if (skip) return t.skip(skip);
    const [c, p1, p2] = await reservePorts(3);
    const dir = tempDir('etcd-ref-ids');
    const peerUrls = [`http://127.0.0.1:${p2}`, `http://127.0.0.1:${p1}`];
    const token = `tok-${p1}`;
    const clientUrl = `http://127.0.0.1:${c}`;
    const proc = start(REFERENCE_ETCD, [
      '--enable-v2=true',
      '--name=idtest',
      `--data-dir=${dir.path}`,
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=${peerUrls.join(',')}`,
      `--initial-advertise-peer-urls=${peerUrls.join(',')}`,
      `--initial-cluster=${peerUrls.map((u) => `idtest=${u}`).join(',')}`,
      `--initial-cluster-token=${token}`,
    ]);
    try {
      let body = '';
      let header = '';
      await waitFor(async () => {
        const r = await fetch(`${clientUrl}/v2/members`);
        body = await r.text();
        header = r.headers.get('x-etcd-cluster-id') ?? '';
        return r.status === 200 && body.includes('clientURLs":["');
      }, 'reference /v2/members');
      const cluster = Cluster.fromString(token, peerUrls.map((u) => `idtest=${u}`).join(','));
      const m = cluster.memberByName('idtest')!;
      assert.equal(m.id, computeMemberId(peerUrls, token));
      assert.equal(header, cluster.id);
      cluster.updateAttributes(m.id, 'idtest', [clientUrl]);
      assert.equal(`${cluster.membersJSON()}\n`.trim(), body.trim());
    } finally {
      await proc.stop('SIGTERM');
      dir.remove();
    }
  });

  it('a member added at runtime gets the ID Debian etcd gives it', async (t) => {
    const skip = referenceSkip();
    if (skip) return t.skip(skip);
    const ref = await startReference('idadd');
    try {
      const [p] = await reservePorts(1);
      const urls = [`http://127.0.0.1:${p}`];
      const before = Date.now();
      const r = await fetch(`${ref.clientUrl}/v2/members`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ peerURLs: urls }),
      });
      const after = Date.now();
      assert.equal(r.status, 201);
      const body = (await r.json()) as {
        id: string;
        name: string;
        peerURLs: string[];
        clientURLs: string[];
      };
      const candidates = new Set<string>();
      for (let s = Math.floor(before / 1000); s <= Math.floor(after / 1000); s++) {
        candidates.add(newRuntimeMember(urls, s * 1000).id);
      }
      assert.ok(candidates.has(body.id), `${body.id} not in ${[...candidates].join(',')}`);
      const m = newRuntimeMember(urls, before);
      assert.deepEqual({ ...body, id: '' }, { ...m.toJSON(), id: '' });
    } finally {
      await ref.stop();
    }
  });
});
