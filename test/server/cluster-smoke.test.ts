// Three real members: a write through one is read back from every member with
// quorum=true, every member lists every member's client URLs (published through the log),
// and the leader's death is survived.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startCluster } from '../helpers/cluster.js';
import { waitFor } from '../helpers/process.js';
import { http } from './run-member.js';

test('3 members: replicated writes, quorum reads everywhere, published client URLs, failover', async () => {
  const c = await startCluster(3);
  try {
    const urls = c.members.map((m) => m.clientUrl);
    const put = await http('PUT', `${urls[1]}/v2/keys/rep`, 'value=1');
    assert.equal(put.status, 201);
    for (const u of urls) {
      const r = await http('GET', `${u}/v2/keys/rep?quorum=true`);
      assert.equal(JSON.parse(r.body).node.value, '1', u);
    }
    await waitFor(async () => {
      const all = await Promise.all(urls.map((u) => http('GET', `${u}/v2/machines`)));
      return all.every((r) => r.body.split(', ').length === 3);
    }, 'every member to know every client URL');
    const members = JSON.parse((await http('GET', `${urls[0]}/v2/members`)).body).members;
    assert.equal(members.length, 3);
    assert.deepEqual(members.map((m: { name: string }) => m.name).sort(), ['m0', 'm1', 'm2']);

    const lead = await c.leader();
    assert.ok(lead >= 0);
    const leaderStats = JSON.parse((await http('GET', `${urls[lead]}/v2/stats/leader`)).body);
    assert.equal(Object.keys(leaderStats.followers).length, 2);
    const killedAt = Date.now();
    await c.stopMember(lead, 'SIGKILL');
    const alive = urls.filter((_, i) => i !== lead);
    await waitFor(
      async () => (await http('PUT', `${alive[0]}/v2/keys/after`, 'value=2')).status === 201,
      'a write after failover',
      15_000,
    );
    const r = await http('GET', `${alive[1]}/v2/keys/after?quorum=true`);
    assert.equal(JSON.parse(r.body).node.value, '2');
    // The follower of the new leader says since when it follows it (not Go's zero time).
    const selves = await Promise.all(
      alive.map(async (u) => JSON.parse((await http('GET', `${u}/v2/stats/self`)).body)),
    );
    const newLeader = selves.find((x) => x.state === 'StateLeader');
    const follower = selves.find((x) => x.state === 'StateFollower');
    assert.ok(newLeader && follower, JSON.stringify(selves));
    assert.equal(follower.leaderInfo.leader, newLeader.id);
    assert.ok(
      Date.parse(follower.leaderInfo.startTime) >= killedAt - 1000,
      follower.leaderInfo.startTime,
    );
    assert.match(follower.leaderInfo.uptime, /^(\d+m)?[\d.]+(ns|µs|ms|s)$/);
  } finally {
    await c.close();
  }
});

test('no quorum: a write and a quorum read time out with etcd 300 "request timed out"', async () => {
  const c = await startCluster(3);
  try {
    const lead = await c.leader();
    const others = [0, 1, 2].filter((i) => i !== lead);
    await c.stopMember(others[0]!, 'SIGKILL');
    await c.stopMember(others[1]!, 'SIGKILL');
    const url = c.members[lead]!.clientUrl;
    const body =
      '{"errorCode":300,"message":"Raft Internal Error","cause":"etcdserver: request timed out","index":0}\n';
    const [w, q] = await Promise.all([
      http('PUT', `${url}/v2/keys/t`, 'value=1'),
      http('GET', `${url}/v2/keys/t?quorum=true`),
    ]);
    assert.equal(w.status, 500);
    assert.equal(w.body, body);
    assert.equal(w.headers['x-etcd-index'], '0');
    assert.equal(q.status, 500);
    assert.equal(q.body, body);
    // Local reads still work without quorum.
    assert.equal((await http('GET', `${url}/v2/keys/t`)).status, 404);
  } finally {
    await c.close();
  }
});

test('--force-new-cluster: a member of a dead cluster restarts alone with its data', async () => {
  const c = await startCluster(3);
  try {
    const url = c.members[0]!.clientUrl;
    assert.equal((await http('PUT', `${url}/v2/keys/kept`, 'value=yes')).status, 201);
    await waitFor(
      async () => (await http('GET', `${c.members[0]!.clientUrl}/v2/keys/kept`)).status === 200,
      'm0 to apply the write',
    );
    for (let i = 0; i < 3; i++) await c.stopMember(i, 'SIGKILL');
    await c.startMember(0, ['--force-new-cluster']);
    await waitFor(
      async () => (await http('GET', `${url}/v2/keys/kept?quorum=true`)).status === 200,
      'the member alone',
    );
    const r = await http('GET', `${url}/v2/keys/kept?quorum=true`);
    assert.equal(JSON.parse(r.body).node.value, 'yes');
    const members = JSON.parse((await http('GET', `${url}/v2/members`)).body).members;
    assert.deepEqual(
      members.map((m: { name: string }) => m.name),
      ['m0'],
    );
    assert.equal((await http('PUT', `${url}/v2/keys/new`, 'value=1')).status, 201);
  } finally {
    await c.close();
  }
});
