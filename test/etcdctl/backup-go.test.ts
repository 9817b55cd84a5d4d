// etcdctl backup across implementations, on the member dir Go etcd 2.0.13 wrote
// (test/fixtures/go-2.0.13/datadir): Go's backup is read by our WAL and Snapshotter, and
// Go etcd 2.0.13 starts (--force-new-cluster) from ours. (Go's etcd-dump-logs reads from
// index 0 and panics on any backup, Go's own included: a backup's log starts after its
// snapshot.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Snapshotter } from '../../src/snap/snapshotter.js';
import { decodeMetadata } from '../../src/wal/metadata.js';
import { WAL } from '../../src/wal/wal.js';
import { fixturePath } from '../helpers/fixtures.js';
import { GO_ETCD, goEtcdSkip } from '../helpers/go-etcd.js';
import { releasePorts, reservePorts } from '../helpers/ports.js';
import { start, tempDir, waitFor } from '../helpers/process.js';
import { ours } from './run.js';

const FIXTURE = fixturePath('go-2.0.13', 'datadir');

async function readBackup(dir: string) {
  const snap = await new Snapshotter(join(dir, 'member', 'snap')).load();
  assert.ok(snap !== null);
  const w = await WAL.open(join(dir, 'member', 'wal'), {
    index: snap.metadata.index,
    term: snap.metadata.term,
  });
  try {
    return { snap, ...(await w.readAll()) };
  } finally {
    await w.close();
  }
}

function text(es: { data: Uint8Array }[]): string {
  return es.map((e) => Buffer.from(e.data).toString('latin1')).join('\n');
}

test("Go 2.0.13's etcdctl backup is read by us; Go 2.0.13 starts from ours", {
  skip: goEtcdSkip('etcd', 'etcdctl'),
}, async () => {
  const tmp = tempDir('backup-go');
  const ports = await reservePorts(2);
  try {
    const data = join(tmp.path, 'data');
    cpSync(FIXTURE, data, { recursive: true });
    const goBackup = join(tmp.path, 'go-backup');
    const g = spawnSync(GO_ETCD.etcdctl, ['backup', '--data-dir', data, '--backup-dir', goBackup], {
      encoding: 'utf8',
    });
    assert.equal(g.status, 0, g.stderr);
    const fromGo = await readBackup(goBackup);
    assert.equal(fromGo.snap.metadata.index, 18);
    assert.ok(decodeMetadata(fromGo.metadata).nodeId !== '');
    assert.match(text(fromGo.entries), /tail1/);

    const ourBackup = join(tmp.path, 'our-backup');
    const r = await ours(['backup', '--data-dir', data, '--backup-dir', ourBackup]);
    assert.equal(r.code, 0, r.stderr);
    const fromUs = await readBackup(ourBackup);
    assert.equal(fromUs.snap.metadata.index, 18);
    assert.match(text(fromUs.entries), /tail1/);

    const [client, peer] = ports as [number, number];
    const C = `http://127.0.0.1:${client}`;
    const etcd = start(GO_ETCD.etcd, [
      '--name=restored',
      `--data-dir=${ourBackup}`,
      '--force-new-cluster',
      `--listen-client-urls=${C}`,
      `--advertise-client-urls=${C}`,
      `--listen-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
    ]);
    try {
      await waitFor(async () => (await fetch(`${C}/v2/keys/tail1`)).ok, 'Go etcd up', 30_000);
      const tail = (await (await fetch(`${C}/v2/keys/tail1`)).json()) as {
        node: { value: string };
      };
      assert.equal(tail.node.value, 'after-snapshot', 'a key from the log');
      const a = (await (await fetch(`${C}/v2/keys/a`)).json()) as { node: { value: string } };
      assert.equal(a.node.value, '3', 'a key from the snapshot');
    } finally {
      await etcd.stop('SIGTERM');
    }
  } finally {
    releasePorts(ports);
    tmp.remove();
  }
});
