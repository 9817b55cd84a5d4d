// The admin guide's restore path: `etcdctl backup` gives the copy new member and cluster
// IDs, and `etcd --force-new-cluster` on the copy must add itself (it is not among the
// old voters), elect itself and serve the data.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { start, tempDir } from '../helpers/process.js';
import { http, ROOT, type RunningEtcd, spawnEtcd } from './run-member.js';

/** `etcdctl backup` of a stopped member's data dir, then the member's own dir removed. */
async function backupThenDestroy(etcd: RunningEtcd, backupDir: string): Promise<void> {
  const ctl = start(process.execPath, [
    join(ROOT, 'bin', 'etcdctl'),
    'backup',
    '--data-dir',
    etcd.dataDir,
    '--backup-dir',
    backupDir,
  ]);
  assert.equal(await ctl.exited, 0, ctl.output());
  await etcd.destroy();
}

test('etcdctl backup, then --force-new-cluster on the copy: leader, quorum reads, the keys', async () => {
  let etcd: RunningEtcd = await spawnEtcd({ extra: ['--snapshot-count', '25'] });
  const backupTmp = tempDir('etcd-backup');
  const backupParent = backupTmp.path;
  const backupDir = join(backupParent, 'backup');
  try {
    // Enough writes for a snapshot, and some after it (in the log only).
    for (let i = 0; i < 60; i++) {
      const r = await http('PUT', `${etcd.url}/v2/keys/restore/k${i}`, `value=v${i}`);
      assert.equal(r.status, 201, r.body);
    }
    const oldId = JSON.parse((await http('GET', `${etcd.url}/v2/members`)).body).members[0].id;
    assert.equal(await etcd.stop('SIGTERM'), 0);

    await backupThenDestroy(etcd, backupDir);

    // New ports; spawnEtcd waits until a quorum read answers 200 (a leader exists).
    etcd = await spawnEtcd({
      dataDir: backupDir,
      name: 'restored',
      extra: ['--force-new-cluster'],
    });
    const members = JSON.parse((await http('GET', `${etcd.url}/v2/members`)).body).members;
    assert.equal(members.length, 1, JSON.stringify(members));
    assert.notEqual(members[0].id, oldId, 'the copy has a new member ID');
    assert.deepEqual(members[0].peerURLs, [etcd.peerUrl]);
    const self = JSON.parse((await http('GET', `${etcd.url}/v2/stats/self`)).body);
    assert.equal(self.state, 'StateLeader');
    for (let i = 0; i < 60; i++) {
      const r = await http('GET', `${etcd.url}/v2/keys/restore/k${i}?quorum=true`);
      assert.equal(r.status, 200, `k${i}: ${r.body}`);
      assert.equal(JSON.parse(r.body).node.value, `v${i}`);
    }
    assert.equal((await http('PUT', `${etcd.url}/v2/keys/restore/after`, 'value=1')).status, 201);
  } finally {
    await etcd.destroy();
    backupTmp.remove();
  }
});

test("the backup restored on its old member's peer URL: the old member goes, the copy comes in", async () => {
  // The conf changes are checked against the membership in the store when applied (as etcd
  // 2.0 does): the old member must be removed before the copy, with its URLs, is added.
  let etcd: RunningEtcd = await spawnEtcd({ extra: ['--snapshot-count', '25'] });
  const ports = [Number(new URL(etcd.url).port), Number(new URL(etcd.peerUrl).port)];
  const backupTmp = tempDir('etcd-backup-same');
  const backupDir = join(backupTmp.path, 'backup');
  try {
    for (let i = 0; i < 30; i++) {
      assert.equal((await http('PUT', `${etcd.url}/v2/keys/same/k${i}`, 'value=1')).status, 201);
    }
    assert.equal(await etcd.stop('SIGTERM'), 0);
    await backupThenDestroy(etcd, backupDir);
    etcd = await spawnEtcd({
      dataDir: backupDir,
      name: 'srv',
      ports,
      extra: ['--force-new-cluster'],
    });
    const members = JSON.parse((await http('GET', `${etcd.url}/v2/members`)).body).members;
    assert.equal(members.length, 1, JSON.stringify(members));
    assert.deepEqual(members[0].peerURLs, [etcd.peerUrl]);
    assert.equal((await http('PUT', `${etcd.url}/v2/keys/same/after`, 'value=1')).status, 201);
  } finally {
    await etcd.destroy();
    backupTmp.remove();
  }
});
