// The client against real 3-member clusters, ours and the reference (CLIENT_CLUSTERS
// chooses): failover when the member in use dies, and a watch that continues across a
// leader change without missing or repeating events.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, type KeysResponse } from '../../src/client/index.js';
import { type Flavor, isServing, startCluster, type TestCluster } from '../helpers/cluster.js';
import { waitFor } from '../helpers/process.js';
import { referenceSkip } from '../helpers/reference.js';

const flavors = (process.env.CLIENT_CLUSTERS ?? 'ours,reference').split(',') as Flavor[];

async function leaderIndex(cluster: TestCluster): Promise<number> {
  let i = -1;
  await waitFor(async () => {
    i = await cluster.leader();
    return i >= 0;
  }, 'a leader');
  return i;
}

for (const flavor of flavors)
  describe(`client against a 3-member ${flavor} cluster`, {
    skip: flavor === 'reference' ? referenceSkip() : false,
  }, () => {
    let cluster: TestCluster;
    before(async () => {
      cluster = await startCluster(3, { flavor });
    });
    after(async () => {
      await cluster?.close();
    });

    test('a watch continues across a leader change without missing or repeating events', {
      timeout: 60_000,
    }, async () => {
      const leader = await leaderIndex(cluster);
      const urls = cluster.members.map((m) => m.clientUrl);
      const others = urls.filter((_, i) => i !== leader);
      // The watch talks to the leader first; the writer only to the others.
      const watcher = new Client({ endpoints: [urls[leader]!, ...others] });
      const writer = new Client({ endpoints: others, timeout: 10_000, retryRounds: 3 });
      const ac = new AbortController();
      try {
        const start = (await writer.get('/', { quorum: true })).index;
        const seen: KeysResponse[] = [];
        let target = Number.POSITIVE_INFINITY;
        const watching = (async () => {
          for await (const ev of watcher.watch('/lw', {
            recursive: true,
            afterIndex: start,
            signal: ac.signal,
          })) {
            seen.push(ev);
            if (ev.node.modifiedIndex >= target) return;
          }
        })();
        const acked = new Map<number, string>();
        const attempted = new Set<string>();
        for (let i = 0; i < 30; i++) {
          if (i === 10) await cluster.stopMember(leader, 'SIGKILL');
          const value = `v${i}`;
          attempted.add(value);
          for (let tries = 0; ; tries++) {
            try {
              const r = await writer.set(`/lw/k${i % 5}`, value);
              acked.set(r.node.modifiedIndex, value);
              break;
            } catch (e) {
              if (tries > 20) throw e;
            }
          }
        }
        target = Math.max(...acked.keys());
        // The watcher ends on reaching the target; if it already has, end it here.
        if (seen.length > 0 && seen[seen.length - 1]!.node.modifiedIndex >= target) ac.abort();
        await watching;
        const idx = seen.map((e) => e.node.modifiedIndex);
        for (let i = 1; i < idx.length; i++)
          assert.ok(idx[i]! > idx[i - 1]!, `events in order, each once: ${idx}`);
        for (const [index, value] of acked) {
          const ev = seen.find((e) => e.node.modifiedIndex === index);
          assert.ok(ev !== undefined, `acknowledged write ${index} seen by the watch`);
          assert.equal(ev.node.value, value);
        }
        for (const ev of seen)
          assert.ok(attempted.has(ev.node.value ?? ''), `event ${ev.node.value} was written`);
        const newLeader = await leaderIndex(cluster);
        assert.notEqual(newLeader, leader);
      } finally {
        ac.abort();
        watcher.close();
        writer.close();
        // Back to three members, so the next test has a quorum after its own kill.
        if (cluster.members[leader]!.proc === null) {
          const m = await cluster.startMember(leader);
          await waitFor(() => isServing(m.clientUrl), 'the old leader to serve again', 30_000);
        }
      }
    });

    test('requests fail over when the member in use dies', { timeout: 60_000 }, async () => {
      const c = new Client({ endpoints: cluster.members.map((m) => m.clientUrl) });
      try {
        const tried: string[] = [];
        c.onRequest = (_m, url) => tried.push(url.slice(0, url.indexOf('/v2')));
        const w = await c.set('/fo/a', '1');
        const inUse = tried[tried.length - 1]!;
        tried.length = 0;
        await cluster.stopMember(
          cluster.members.findIndex((m) => m.clientUrl === inUse),
          'SIGKILL',
        );
        const r = await c.get('/fo/a', { quorum: true });
        assert.equal(r.node.value, '1');
        assert.equal(r.node.modifiedIndex, w.node.modifiedIndex);
        assert.equal(tried[0], inUse, 'first tried the member in use');
        assert.notEqual(tried[tried.length - 1], inUse, 'answered by another member');
      } finally {
        c.close();
      }
    });
  });
