// A 3-member cluster replicates: a write through any member is readable at once from that
// member, at once from every member with quorum=true, and from every member without it
// as soon as that member has applied it (a heartbeat or two; polled with a deadline).
// CLUSTER_FLAVOR=reference runs it against Go etcd 2.0.13.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startCluster } from '../helpers/cluster.js';
import { FLAVOR, flavorSkip, getKey, HEARTBEAT_MS, nodeOf, putKey, TUNING, until } from './util.js';

test(`a write through any member is read back everywhere (${FLAVOR})`, {
  skip: flavorSkip(),
  timeout: 60_000,
}, async (t) => {
  const c = await startCluster(3, { flavor: FLAVOR, tuning: TUNING });
  t.after(() => c.close());
  const lags: number[] = [];
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 3; i++) {
      const via = c.members[i]!.clientUrl;
      const key = `rep/r${round}-m${i}`;
      const value = `value-${round}-${i}`;
      const w = await putKey(via, key, value);
      assert.equal(w.status, 201, `PUT through m${i}: ${w.body}`);
      const index = nodeOf(w).modifiedIndex;
      const written = performance.now();

      // Read-your-writes on the member that answered: applied before it replied.
      const own = await getKey(via, key);
      assert.equal(own.status, 200, `local GET on m${i} right after its write: ${own.body}`);
      assert.equal(nodeOf(own).value, value);
      assert.equal(nodeOf(own).modifiedIndex, index);

      // Local reads converge once each member has applied the entry (polled in parallel).
      await Promise.all(
        c.members.map(async (m, j) => {
          await until(
            `m${j} to apply ${key}`,
            20 * HEARTBEAT_MS,
            async () => {
              const r = await getKey(m.clientUrl, key);
              return r.status === 200 && nodeOf(r).value === value ? true : undefined;
            },
            2,
          );
          lags.push(performance.now() - written);
        }),
      );

      // Linearizable reads from every member.
      for (let j = 0; j < 3; j++) {
        const q = await getKey(c.members[j]!.clientUrl, key, true);
        assert.equal(q.status, 200, `quorum GET on m${j}: ${q.body}`);
        assert.equal(nodeOf(q).value, value, `quorum GET on m${j}`);
        assert.equal(nodeOf(q).modifiedIndex, index, `quorum GET on m${j}`);
      }
    }
  }
  // One key rewritten through each member in turn: every member's repeated GET of it (its
  // answer cached until the store changes, api/get-answers.ts) sees each new value.
  for (let v = 0; v < 3; v++) {
    const w = await putKey(c.members[v]!.clientUrl, 'rep/same', `same-${v}`);
    assert.ok(w.status === 200 || w.status === 201, `PUT rep/same through m${v}: ${w.body}`);
    await Promise.all(
      c.members.map((m, j) =>
        until(
          `m${j} to show rep/same = same-${v}`,
          20 * HEARTBEAT_MS,
          async () => {
            const r = await getKey(m.clientUrl, 'rep/same');
            return r.status === 200 && nodeOf(r).value === `same-${v}` ? true : undefined;
          },
          2,
        ),
      ),
    );
  }
  lags.sort((a, b) => a - b);
  t.diagnostic(
    `local-read lag after the write was acknowledged: median ${lags[lags.length >> 1]!.toFixed(1)} ms, max ${lags[lags.length - 1]!.toFixed(1)} ms`,
  );

  // Every member's store index converges to the same value.
  await until('X-Etcd-Index to agree on every member', 40 * HEARTBEAT_MS, async () => {
    const idx = await Promise.all(
      c.members.map(async (m) => (await getKey(m.clientUrl, 'rep/r2-m2')).headers['x-etcd-index']),
    );
    return idx.every((x) => x === idx[0]) ? true : undefined;
  });
});
