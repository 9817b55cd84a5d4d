// A leader paused (SIGSTOP) for longer than the election timeout, then resumed: no
// acknowledged write is lost, no term ever has two leaders, and the old leader steps down.
// Leadership is sampled on every member as (term, state): X-Raft-Term of a GET before and
// of a write after a GET of /v2/stats/self that says leader; when both terms agree, the
// member was leader in that term. Raft's election safety says one leader per term at most.
// CLUSTER_FLAVOR=reference runs it against Go etcd 2.0.13.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startCluster } from '../helpers/cluster.js';
import {
  backgroundWriter,
  ELECTION_MS,
  FLAVOR,
  findLeader,
  flavorSkip,
  getKey,
  listDir,
  missingAcks,
  putKey,
  selfStats,
  sleep,
  TUNING,
  until,
  waitLeader,
} from './util.js';

interface Sample {
  member: number;
  term: number;
  state: string;
  leader: string;
}

test(`SIGSTOP of the leader past the election timeout, then SIGCONT (${FLAVOR})`, {
  skip: flavorSkip(),
  timeout: 60_000,
}, async (t) => {
  const c = await startCluster(3, { flavor: FLAVOR, tuning: TUNING });
  t.after(() => c.close());
  assert.equal((await putKey(c.members[0]!.clientUrl, 'probe', 'p')).status, 201);

  const samples: Sample[] = [];
  let sampling = true;
  const sampler = Promise.all(
    c.members.map(async (m, member) => {
      while (sampling) {
        try {
          // The term a GET reports is at most the member's term when /v2/stats/self answers
          // (Debian's etcd reports the term of the last applied entry, ours the current one);
          // a write proposed afterwards commits at that term or later, so when the two agree
          // the member was leader in exactly that term.
          const a = await getKey(m.clientUrl, 'probe', false, 300);
          const s = await selfStats(m.clientUrl, 300);
          if (s?.state !== 'StateLeader' || a.status !== 200) {
            if (s)
              samples.push({
                member,
                term: -1,
                state: s.state,
                leader: s.leaderInfo?.leader ?? '',
              });
          } else {
            const b = await putKey(m.clientUrl, `probe-${member}`, 'p', 300);
            const ta = Number(a.headers['x-raft-term']);
            const tb = Number(b.headers['x-raft-term']);
            if (b.status < 300 && ta === tb) {
              samples.push({
                member,
                term: ta,
                state: s.state,
                leader: s.leaderInfo?.leader ?? '',
              });
            }
          }
        } catch {
          // paused or busy: no sample
        }
        await sleep(20);
      }
    }),
  );

  const old = await waitLeader(c);
  const writer = backgroundWriter(c, 'pause', 3);
  await until('writes before the pause', 5000, async () =>
    writer.acked.length >= 20 ? true : undefined,
  );
  const proc = c.members[old]!.proc!.proc;
  const others = [0, 1, 2].filter((i) => i !== old);
  proc.kill('SIGSTOP');
  const pausedAt = performance.now();
  let resumed = false;
  try {
    const lead = await until('a leader among the others', 10 * ELECTION_MS, () =>
      findLeader(c, others),
    );
    const acksDuringPause = writer.acked.length;
    await until('writes accepted while the old leader is paused', 5000, async () =>
      writer.acked.length > acksDuringPause + 5 ? true : undefined,
    );
    const left = 3 * ELECTION_MS - (performance.now() - pausedAt);
    if (left > 0) await sleep(left);
    proc.kill('SIGCONT');
    resumed = true;
    t.diagnostic(
      `m${old} paused ${(performance.now() - pausedAt).toFixed(0)} ms; m${lead} led meanwhile`,
    );

    // The old leader steps down: a follower, while another member leads.
    await until(`m${old} to step down`, 10 * ELECTION_MS, async () => {
      const s = await selfStats(c.members[old]!.clientUrl, 300);
      if (s?.state !== 'StateFollower') return undefined;
      return (await findLeader(c, others)) !== undefined ? true : undefined;
    });
    const acksAfter = writer.acked.length;
    await until('writes after the resume', 5000, async () =>
      writer.acked.length > acksAfter + 10 ? true : undefined,
    );
  } finally {
    if (!resumed) proc.kill('SIGCONT');
    await writer.stop();
    sampling = false;
    await sampler;
  }

  // One leader per term at most.
  const leadersByTerm = new Map<number, Set<number>>();
  for (const s of samples) {
    if (s.state !== 'StateLeader' || s.term < 0) continue;
    const set = leadersByTerm.get(s.term) ?? new Set<number>();
    set.add(s.member);
    leadersByTerm.set(s.term, set);
  }
  const terms = [...leadersByTerm].map(([term, ms]) => `${term}: m${[...ms].join(',m')}`);
  t.diagnostic(`${samples.length} leadership samples; leaders by term: ${terms.join('; ')}`);
  assert.ok(leadersByTerm.size >= 2, `expected leaders in two terms at least: ${terms.join('; ')}`);
  for (const [term, ms] of leadersByTerm) {
    assert.equal(ms.size, 1, `term ${term} had two leaders: m${[...ms].join(', m')}`);
  }

  // No two acknowledged writes at the same index; none lost, on any member.
  const indexes = new Set(writer.acked.map((a) => a.index));
  assert.equal(indexes.size, writer.acked.length, 'two acknowledged writes share a store index');
  t.diagnostic(`${writer.acked.length} writes acknowledged, ${writer.failed} failed or unknown`);
  for (let i = 0; i < 3; i++) {
    let missing: string[] = [];
    await until(
      `m${i} to hold every acknowledged write`,
      10_000,
      async () => {
        missing = missingAcks(writer.acked, await listDir(c.members[i]!.clientUrl, 'pause'));
        return missing.length === 0 ? true : undefined;
      },
      20,
    ).catch(() => {
      assert.fail(
        `m${i}: ${missing.length} acknowledged writes lost, e.g. ${missing.slice(0, 3).join('; ')}`,
      );
    });
  }
  const q = await getKey(c.members[old]!.clientUrl, 'probe', true);
  assert.equal(q.status, 200, `quorum read through the old leader: ${q.body}`);
});
