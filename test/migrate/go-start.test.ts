// Go etcd 2.0.13 on a data dir our upgrade wrote: our WAL, snapshot and store JSON are
// Go's formats, so the reference starts on them as the upgraded 0.4.9 member (same ID, same
// peer URL) and serves the 0.4.9 keyspace with 0.4.9's indexes and expiries. And the
// membership we write under /0 is what Go's etcd-migrate writes.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { computeMemberId } from '../../src/pkg/ids.js';
import { GO_ETCD, goEtcdSkip } from '../helpers/go-etcd.js';
import { reservePorts } from '../helpers/ports.js';
import { Snapshotter } from '../../src/snap/snapshotter.js';
import { type Started, start, tempDir } from '../helpers/process.js';
import { BIN_MIGRATE, copyFixture, DATA, loadView04 } from './fixtures.js';
import { assertKeyspace, get, leaderUp, url } from './live.js';

const tmp = tempDir('migrate04-go-');
const running = new Set<Started>();
after(async () => {
  for (const p of running) await p.stop();
  tmp.remove();
});

/** The /0 subtree (membership) of a 2.0 snapshot's store JSON, without parent links. */
async function adminTree(snapDir: string): Promise<string> {
  const snap = await new Snapshotter(snapDir).load();
  assert.ok(snap, `a snapshot in ${snapDir}`);
  const st = JSON.parse(Buffer.from(snap.data).toString('utf8')) as {
    Root: { Children: Record<string, unknown> };
  };
  return JSON.stringify(st.Root.Children['0']);
}

describe('the membership our 0.4 upgrade writes under /0', { skip: goEtcdSkip('migrate') }, () => {
  it("is Go etcd-migrate 2.0.13's, node for node and index for index", async () => {
    const ours = copyFixture(DATA.single, join(tmp.path, 'ours'));
    const theirs = copyFixture(DATA.single, join(tmp.path, 'theirs'));
    const m = start(process.execPath, [BIN_MIGRATE, '--data-dir', ours]);
    assert.equal(await m.exited, 0, m.output());
    const g = start(GO_ETCD.migrate, ['-data-dir', theirs, '-name', 'node1']);
    assert.equal(await g.exited, 0, g.output());
    const want = await adminTree(join(theirs, 'snap'));
    assert.match(want, /"\/0\/members\/497efd3162f630e3\/raftAttributes"/);
    assert.equal(await adminTree(join(ours, 'member', 'snap')), want);
  });
});

describe('Go etcd 2.0.13 on a data dir our 0.4 upgrade wrote', { skip: goEtcdSkip('etcd') }, () => {
  it('starts as the upgraded member and serves the 0.4.9 keyspace', async () => {
    const [client, peer] = await reservePorts(2);
    const ports = new Map([
      [42001, client!],
      [42002, peer!],
    ]);
    const dir = copyFixture(DATA.single, join(tmp.path, 'node1'), ports);
    const m = start(process.execPath, [BIN_MIGRATE, '--data-dir', dir]);
    assert.equal(await m.exited, 0, m.output());

    const go = start(GO_ETCD.etcd, [
      '-name',
      'node1',
      '-data-dir',
      dir,
      '-listen-client-urls',
      url(client!),
      '-advertise-client-urls',
      url(client!),
      '-listen-peer-urls',
      url(peer!),
    ]);
    running.add(go);
    try {
      await leaderUp(client!);
      await assertKeyspace(client!, loadView04('single', ports));
      const members = JSON.parse((await get(client!, '/v2/members')).body) as {
        members: { id: string; name: string; peerURLs: string[]; clientURLs: string[] }[];
      };
      assert.deepEqual(
        members.members.map((x) => [x.id, x.name, x.peerURLs, x.clientURLs]),
        [[computeMemberId([url(peer!)], 'etcd-cluster'), 'node1', [url(peer!)], [url(client!)]]],
      );
      const put = await fetch(`${url(client!)}/v2/keys/after-upgrade`, {
        method: 'PUT',
        body: new URLSearchParams({ value: 'ok' }),
      });
      assert.equal(put.status, 201, go.output());
      const idx = (JSON.parse(await put.text()) as { node: { createdIndex: number } }).node
        .createdIndex;
      assert.ok(idx > 354, `a new write follows 0.4's last index (got ${idx})`);
    } finally {
      await go.stop();
      running.delete(go);
    }
  });
});
