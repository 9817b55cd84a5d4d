// A leader whose process dies is replaced without waiting out the election timeout: its
// followers find its peer port refusing connections and campaign at their next tick
// (pre-vote and check-quorum keep that from disrupting a leader that is alive). Go etcd
// 2.0.13 waits for the timeout; so do members of ours in a cluster with a Go member.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { findLeader, putKey, selfStats, tail, until, waitLeader } from './util.js';

const ELECTION_MS = 2000;

/** The member's log says every peer runs this implementation (pre-vote and check-quorum on). */
function knowsPeersOurs(log: string): boolean {
  const compat = log.lastIndexOf('a peer may run Go etcd 2.0');
  return compat < 0 || log.lastIndexOf('every peer runs this implementation') > compat;
}

describe('a crashed leader is replaced before the election timeout', { timeout: 60_000 }, () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster(3, {
      flavor: 'ours',
      tuning: ['--heartbeat-interval', '50', '--election-timeout', String(ELECTION_MS)],
    });
  });
  after(() => c?.close());

  it('kill -9 of the leader: a new leader within half an election timeout', async (t) => {
    const old = await waitLeader(c, 6 * ELECTION_MS);
    // Each member takes its peers for Go etcd 2.0 (and waits out timeouts) until its probes
    // tell it otherwise, which a loaded machine can delay past the first election.
    await until('every member to know its peers run ours', 6 * ELECTION_MS, async () =>
      c.members.every((m) => knowsPeersOurs(m.proc?.output() ?? '')) ? true : undefined,
    );
    const survivors = [0, 1, 2].filter((i) => i !== old);
    const killedWall = Date.now();
    await c.stopMember(old, 'SIGKILL');
    const lead = await until('a new leader', 3 * ELECTION_MS, () => findLeader(c, survivors), 5);
    // The leader's own record of when it took office: no polling delay.
    const since = (await selfStats(c.members[lead]!.clientUrl))?.leaderInfo?.startTime;
    assert.ok(since, 'the new leader reports when it took office');
    const electedMs = Date.parse(since) - killedWall;
    t.diagnostic(`leader m${old} killed; m${lead} leader after ${electedMs} ms`);
    // Waiting for the timeout would take at least ELECTION_MS less one heartbeat.
    const logs = survivors.map((i) => `m${i}:\n${tail(c.members[i]!.proc?.output(), 30)}`);
    assert.ok(electedMs < ELECTION_MS / 2, `new leader after ${electedMs} ms\n${logs.join('\n')}`);
    for (const i of survivors) {
      const w = await putKey(c.members[i]!.clientUrl, `crash/m${i}`, 'x');
      assert.equal(w.status, 201, `write through m${i}: ${w.body}`);
    }
  });
});
