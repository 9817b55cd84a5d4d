// Runtime reconfiguration through /v2/members with real processes: add a member, start
// it with --initial-cluster-state existing (it catches up), remove it (it exits 0).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memberArgs } from '../helpers/member-args.js';
import { reservePorts } from '../helpers/ports.js';
import { waitFor } from '../helpers/process.js';
import { http, type RunningEtcd, runEtcd, spawnEtcd } from './run-member.js';

/** Member b joining a's cluster (a has added it). */
function joinArgs(a: RunningEtcd, clientUrl: string, peerUrl: string): string[] {
  return [
    ...memberArgs({
      name: 'b',
      dataDir: `${a.dataDir}-b`,
      clientUrl,
      peerUrl,
      initialCluster: `a=${a.peerUrl},b=${peerUrl}`,
    }),
    '--initial-cluster-state',
    'existing',
  ];
}

test('add a member, it joins and catches up; remove it, it exits 0', async () => {
  const a = await spawnEtcd({ name: 'a' });
  const [c, p] = await reservePorts(2);
  const bUrl = `http://127.0.0.1:${c}`;
  const bPeer = `http://127.0.0.1:${p}`;
  let b: ReturnType<typeof runEtcd> | null = null;
  try {
    assert.equal((await http('PUT', `${a.url}/v2/keys/before`, 'value=1')).status, 201);
    const add = await http('POST', `${a.url}/v2/members`, JSON.stringify({ peerURLs: [bPeer] }), {
      'content-type': 'application/json',
    });
    assert.equal(add.status, 201, add.body);
    const added = JSON.parse(add.body);
    assert.deepEqual(added.peerURLs, [bPeer]);
    assert.equal(added.name, '');
    b = runEtcd(joinArgs(a, bUrl, bPeer));
    await waitFor(async () => {
      const r = await http('GET', `${bUrl}/v2/keys/before?quorum=true`);
      return r.status === 200 && JSON.parse(r.body).node.value === '1';
    }, 'the new member to catch up');
    const members = JSON.parse((await http('GET', `${a.url}/v2/members`)).body).members;
    assert.equal(members.length, 2);
    await waitFor(async () => {
      const ms = JSON.parse((await http('GET', `${a.url}/v2/members`)).body).members;
      return ms.some((m: { name: string }) => m.name === 'b');
    }, 'the new member to publish its name');

    const del = await http('DELETE', `${a.url}/v2/members/${added.id}`);
    assert.equal(del.status, 204);
    assert.equal(await b.exited, 0);
    assert.match(
      b.output(),
      /etcdserver: the member has been permanently removed from the cluster\n/,
    );
    const again = await http('DELETE', `${a.url}/v2/members/${added.id}`);
    assert.equal(again.status, 410);
    assert.equal(again.body, `{"message":"Member permanently removed: ${added.id}"}`);
    // etcd answers a change to a removed member's peer URLs with its catch-all 500.
    const upd = await http(
      'PUT',
      `${a.url}/v2/members/${added.id}`,
      JSON.stringify({ peerURLs: [bPeer] }),
      {
        'content-type': 'application/json',
      },
    );
    assert.equal(upd.status, 500);
    assert.equal(upd.body, '{"message":"Internal Server Error"}');
    assert.equal((await http('PUT', `${a.url}/v2/keys/after`, 'value=2')).status, 201);
  } finally {
    await b?.stop('SIGKILL');
    await a.destroy();
  }
});

test('a member added after compaction catches up by snapshot', async () => {
  const env = { ETCDNODE_CATCH_UP_ENTRIES: '5' };
  const a = await spawnEtcd({ name: 'a', extra: ['--snapshot-count', '40'], env });
  const [c, p] = await reservePorts(2);
  const bUrl = `http://127.0.0.1:${c}`;
  const bPeer = `http://127.0.0.1:${p}`;
  let b: ReturnType<typeof runEtcd> | null = null;
  try {
    for (let i = 0; i < 120; i++) {
      assert.equal((await http('PUT', `${a.url}/v2/keys/k${i}`, `value=${i}`)).status, 201);
    }
    const add = await http('POST', `${a.url}/v2/members`, JSON.stringify({ peerURLs: [bPeer] }), {
      'content-type': 'application/json',
    });
    assert.equal(add.status, 201, add.body);
    b = runEtcd(joinArgs(a, bUrl, bPeer), env);
    await waitFor(
      async () => {
        const r = await http('GET', `${bUrl}/v2/keys/k0?quorum=true`);
        return r.status === 200;
      },
      'the new member to catch up',
      20_000,
    );
    for (const i of [0, 60, 119]) {
      const r = await http('GET', `${bUrl}/v2/keys/k${i}`);
      assert.equal(JSON.parse(r.body).node.value, String(i));
    }
    const members = JSON.parse((await http('GET', `${bUrl}/v2/members`)).body).members;
    assert.equal(members.length, 2);
    assert.match(b.output(), /etcdserver: recovered from incoming snapshot at index \d+/);
  } finally {
    await b?.stop('SIGKILL');
    await a.destroy();
  }
});
