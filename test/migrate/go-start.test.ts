// Go etcd 2.0.13 on a data dir our upgrade wrote: our WAL, snapshot and store JSON are
// Go's formats, so the reference starts on them as the upgraded 0.4.9 member (same ID, same
// peer URL) and serves the 0.4.9 keyspace with 0.4.9's indexes and expiries.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { computeMemberId } from '../../src/pkg/ids.js';
import { GO_ETCD, goEtcdSkip } from '../helpers/go-etcd.js';
import { reservePorts } from '../helpers/ports.js';
import { type Started, start, tempDir } from '../helpers/process.js';
import { BIN_MIGRATE, copyFixture, DATA, loadView04 } from './fixtures.js';
import { assertKeyspace, get, leaderUp, url } from './live.js';

const tmp = tempDir('migrate04-go-');
const running = new Set<Started>();
after(async () => {
  for (const p of running) await p.stop();
  tmp.remove();
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
