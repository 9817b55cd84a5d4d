// etcdctl backup over our data dir: the copy keeps the snapshot and the log, drops
// membership entries (ConfChanges and member attributes) renumbering the rest, and gets
// new member and cluster IDs.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client } from '../../src/client/index.js';
import { silenceLogs } from '../../src/pkg/logger.js';
import { EntryType } from '../../src/raft/types.js';
import { startEtcd } from '../../src/embed/etcd.js';
import { decodeWalMetadata } from '../../src/server/wal-metadata.js';
import { Snapshotter } from '../../src/snap/snapshotter.js';
import { decodeRequest } from '../../src/store/request.js';
import { WAL } from '../../src/wal/wal.js';
import { reservePorts } from '../helpers/ports.js';
import { tempDir } from '../helpers/process.js';
import { ours } from './run.js';

async function readWal(dir: string) {
  const snap = await new Snapshotter(join(dir, 'member', 'snap')).load();
  const at = snap
    ? { index: snap.metadata.index, term: snap.metadata.term }
    : { index: 0, term: 0 };
  const w = await WAL.open(join(dir, 'member', 'wal'), at);
  try {
    return { snap, ...(await w.readAll()) };
  } finally {
    await w.close();
  }
}

test('backup copies the log with new IDs and without membership entries', async () => {
  silenceLogs();
  const tmp = tempDir('ctl-backup');
  try {
    const dataDir = join(tmp.path, 'data');
    const backupDir = join(tmp.path, 'backup');
    const [cp, pp] = await reservePorts(2);
    const client = `http://127.0.0.1:${cp}`;
    const peer = `http://127.0.0.1:${pp}`;
    const e = await startEtcd({
      name: 'b',
      dataDir,
      listenClientUrls: [client],
      advertiseClientUrls: [client],
      listenPeerUrls: [peer],
      initialAdvertisePeerUrls: [peer],
      initialCluster: `b=${peer}`,
    });
    const c = new Client({ endpoints: [client] });
    try {
      for (let i = 0; i < 5; i++) await c.set(`/bk/k${i}`, `backup-value-${i}`);
    } finally {
      c.close();
      await e.close();
    }
    const original = await readWal(dataDir);

    const r = await ours(['backup', '--data-dir', dataDir, '--backup-dir', backupDir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.ok(existsSync(join(backupDir, 'member', 'snap')));
    assert.deepEqual(
      readdirSync(join(backupDir, 'member', 'snap')).length,
      readdirSync(join(dataDir, 'member', 'snap')).filter((f) => f.endsWith('.snap')).length,
    );

    const copy = await readWal(backupDir);
    const before = decodeWalMetadata(original.metadata);
    const after = decodeWalMetadata(copy.metadata);
    assert.notEqual(after.memberId, before.memberId);
    assert.notEqual(after.clusterId, before.clusterId);
    assert.match(after.memberId, /^[0-9a-f]{1,16}$/);

    const membership = original.entries.filter((x) => {
      if (x.type === EntryType.ConfChange) return true;
      try {
        return /^\/0\/members\/[0-9a-f]+\/attributes$/.test(decodeRequest(x.data).path);
      } catch {
        return false;
      }
    });
    assert.ok(membership.length > 0, 'the original log has membership entries');
    assert.equal(copy.entries.length, original.entries.length - membership.length);
    assert.ok(copy.entries.every((x) => x.type !== EntryType.ConfChange));
    for (let i = 1; i < copy.entries.length; i++) {
      assert.equal(
        copy.entries[i]!.index,
        copy.entries[i - 1]!.index + 1,
        'indexes renumbered without gaps',
      );
    }
    const values = copy.entries
      .filter((x) => x.type === EntryType.Normal && x.data.length > 0)
      .map((x) => decodeRequest(x.data).val)
      .filter((v) => v.startsWith('backup-value-'));
    assert.deepEqual(
      values,
      [0, 1, 2, 3, 4].map((i) => `backup-value-${i}`),
    );
    assert.equal(copy.hardState.commit, original.hardState.commit - membership.length);
    assert.match(r.stderr, /ignoring EntryConfChange raft entry/);
    assert.match(
      r.stderr,
      /ignoring member attribute update on \/0\/members\/[0-9a-f]+\/attributes/,
    );

    const again = await ours([
      'backup',
      '--data-dir',
      join(tmp.path, 'missing'),
      '--backup-dir',
      join(tmp.path, 'b2'),
    ]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /);
  } finally {
    tmp.remove();
  }
});
