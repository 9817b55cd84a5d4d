// A removed member is refused with 410 Gone by the members that remain, also after they
// restart from a snapshot that no longer holds its RemoveNode entry (the removal is then
// known only from the snapshot's membership).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isServing, startCluster } from '../helpers/cluster.js';
import { waitFor } from '../helpers/process.js';
import { http } from './run-member.js';

test('after a restart from a snapshot, a removed member dialing in gets 410, not 404', async () => {
  const tuning = [
    '--heartbeat-interval',
    '50',
    '--election-timeout',
    '500',
    '--snapshot-count',
    '5',
  ];
  const c = await startCluster(3, { tuning });
  try {
    // The leader stays (removing it would fail writes while a new one is elected); one
    // follower is removed, the other restarted.
    let lead = -1;
    await waitFor(async () => (lead = await c.leader()) >= 0, 'a leader');
    const g = lead === 2 ? 1 : 2;
    const r = 3 - lead - g;
    const url = c.members[lead]!.clientUrl;
    const list = await http('GET', `${url}/v2/members`);
    const cid = list.headers['x-etcd-cluster-id']!;
    const gone = JSON.parse(list.body).members.find((m: { name: string }) => m.name === `m${g}`).id;
    assert.equal((await http('DELETE', `${url}/v2/members/${gone}`)).status, 204);
    await c.stopMember(g);
    // Enough writes for both remaining members to snapshot past the removal.
    for (let i = 0; i < 20; i++) {
      const w = await http('PUT', `${url}/v2/keys/k${i}`, 'value=1');
      assert.equal(w.status, 201, w.body);
    }
    await waitFor(
      async () => (await http('GET', `${c.members[r]!.clientUrl}/v2/keys/k19`)).status === 200,
      'the other member to apply the writes',
    );
    await c.stopMember(r, 'SIGTERM');
    await c.startMember(r);
    await waitFor(() => isServing(c.members[r]!.clientUrl), 'the restarted member to serve');

    const dial = await http('GET', `${c.members[r]!.peerUrl}/raft/stream/message/${gone}`, '', {
      'X-Etcd-Cluster-ID': cid,
      'X-Server-From': gone,
    });
    const body = dial.body;
    assert.equal(dial.status, 410, body);
    assert.equal(body, 'the member has been permanently removed from the cluster\n');
  } finally {
    await c.close();
  }
});
