// Go etcd 2.0.13 members and ours in one cluster (issue 13), as real processes: 2 Go + 1
// ours and 1 Go + 2 ours. Writes through every member, quorum reads agreeing everywhere,
// the leader killed on each side in turn,
// a member of ours catching up by snapshot from a Go leader, kill -9 during writes losing
// nothing acknowledged, and member add and remove issued from each side (last: a
// membership change that goes wrong takes the cluster with it).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { goEtcdSkip } from '../helpers/go-etcd.js';
import {
  assertAllReadable,
  type Impl,
  type MixedCluster,
  put,
  putRetry,
  startMixed,
} from '../helpers/mixed-cluster.js';
import { waitFor } from '../helpers/process.js';

const skip = goEtcdSkip('etcd');

/** Kills members until the leader is of `want` (an election is random; we steer it). */
async function leaderOf(c: MixedCluster, want: Impl): Promise<number> {
  for (let attempt = 0; attempt < 8; attempt++) {
    let lead = -1;
    await waitFor(async () => (lead = await c.leader()) >= 0, 'a leader', 20_000);
    if (c.members[lead]!.impl === want) return lead;
    // Restart the leader while the members not of `want` are paused: the one of `want`
    // has waited longest without a leader, so it usually campaigns first.
    await c.stop(lead);
    const paused = c.running().filter((i) => c.members[i]!.impl !== want);
    for (const i of paused) c.members[i]!.proc!.proc.kill('SIGSTOP');
    c.start(lead);
    await new Promise((r) => setTimeout(r, 1500));
    for (const i of paused) c.members[i]!.proc!.proc.kill('SIGCONT');
  }
  throw new Error(`could not get a leader of kind ${want}\n${c.logs()}`);
}

/**
 * The mixed-cluster checks on one layout. Each layout has its own test file, so the two run
 * in parallel. MIXED_LAYOUT="go,go,go" (or "ours,ours,ours") runs a file's checks on another
 * layout instead, for the all-Go and all-ours figures beside the mixed ones.
 */
export function mixedSuite(defaultLayout: Impl[]): void {
  const layout = process.env.MIXED_LAYOUT
    ? (process.env.MIXED_LAYOUT.split(',') as Impl[])
    : defaultLayout;
  describe(`mixed cluster ${layout.join(' + ')}`, { skip, timeout: 480_000 }, () => {
    let c: MixedCluster;
    const acked = new Map<string, string>();
    const urls = () => c.running().map((i) => c.members[i]!.clientUrl);

    before(async () => {
      c = await startMixed(layout);
    });
    after(async () => {
      await c?.close();
    });

    test('writes through every member; quorum reads agree everywhere', async (t) => {
      const started = performance.now();
      let n = 0;
      for (let round = 0; round < 10; round++) {
        for (const i of c.running()) {
          const key = `w/${c.members[i]!.name}-${round}`;
          const value = `v${round}-${i}`;
          const r = await put(c.members[i]!.clientUrl, key, value);
          assert.ok(r.status === 200 || r.status === 201, `${key}: ${r.status}`);
          acked.set(key, value);
          n++;
        }
      }
      const ms = performance.now() - started;
      t.diagnostic(
        `${n} sequential writes in ${ms.toFixed(0)} ms (${((n * 1000) / ms).toFixed(0)}/s)`,
      );
      await assertAllReadable(c, acked);
    });

    for (const side of (['go', 'ours'] as Impl[]).filter((x) => layout.includes(x))) {
      test(`the leader on the ${side} side is killed: a new one is elected, writes resume`, async (t) => {
        const lead = await leaderOf(c, side);
        await putRetry(urls, `before-kill-${side}`, 'x');
        acked.set(`before-kill-${side}`, 'x');
        const killedAt = performance.now();
        await c.stop(lead);
        await putRetry(urls, `after-kill-${side}`, 'y', 20_000);
        const failoverMs = performance.now() - killedAt;
        acked.set(`after-kill-${side}`, 'y');
        const now = await c.leader();
        assert.notEqual(now, lead);
        t.diagnostic(
          `failover after killing the ${side} leader: ${failoverMs.toFixed(0)} ms (new leader ${c.members[now]?.impl})`,
        );
        c.start(lead);
        await c.waitServing('the killed leader back');
        await assertAllReadable(c, acked);
      });
    }

    // Each side's log of a snapshot it received and loaded.
    const SNAPSHOT_LOADED: Record<Impl, RegExp> = {
      go: /recovered from incoming snapshot/,
      ours: /received database snapshot/,
    };
    const directions: Array<[Impl, Impl]> = [
      ['go', 'ours'],
      ['ours', 'go'],
    ];
    for (const [leaderSide, behind] of directions) {
      if (!layout.includes('go') || !layout.includes('ours')) break;
      test(`a ${behind} member stopped past a ${leaderSide} leader's snapshot catches up by snapshot`, async () => {
        const lead = await leaderOf(c, leaderSide);
        const x = c.running().find((i) => i !== lead && c.members[i]!.impl === behind)!;
        await c.stop(x, 'SIGTERM');
        // Snapshots every 50 entries here; Go 2.0 compacts its log at each, and our leader
        // sends a 2.0 follower nothing below its latest snapshot.
        const writes: Array<Promise<void>> = [];
        for (let w = 0; w < 4; w++) {
          writes.push(
            (async () => {
              for (let n = 0; n < 30; n++) {
                const key = `behind-${behind}/${w}-${n}`;
                await putRetry(urls, key, `${n}`);
                acked.set(key, `${n}`);
              }
            })(),
          );
        }
        await Promise.all(writes);
        c.start(x);
        await c.waitServing('the stopped member back');
        await waitFor(
          () => SNAPSHOT_LOADED[behind].test(c.members[x]!.proc!.output()),
          `a snapshot received from the ${leaderSide} leader`,
          20_000,
        ).catch(() => assert.fail(c.logs()));
        await assertAllReadable(c, acked);
      });
    }

    test('a TTL key expires at the same index on every member, and watches from an index agree', async () => {
      const all = urls();
      const r = await fetch(`${all[0]}/v2/keys/ttl-agree`, {
        method: 'PUT',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'value=soon&ttl=2',
      });
      const created = ((await r.json()) as { node: { modifiedIndex: number } }).node.modifiedIndex;
      assert.equal(r.status, 201);
      // A watch from the index after the set, through every member: the next event on the
      // key is its expiry, the same event everywhere.
      const events = await Promise.all(
        all.map(async (url) => {
          const w = await fetch(`${url}/v2/keys/ttl-agree?wait=true&waitIndex=${created + 1}`, {
            signal: AbortSignal.timeout(20_000),
          });
          return (await w.json()) as {
            action: string;
            node: { key: string; modifiedIndex: number };
            prevNode?: { value: string };
          };
        }),
      );
      for (const e of events) {
        assert.equal(e.action, 'expire', JSON.stringify(e));
        assert.equal(e.node.key, '/ttl-agree');
        assert.equal(e.prevNode?.value, 'soon');
      }
      assert.equal(
        new Set(events.map((e) => e.node.modifiedIndex)).size,
        1,
        JSON.stringify(events),
      );
      // A watch from the set's own index replays the set everywhere (the event history).
      for (const url of all) {
        const h = await fetch(`${url}/v2/keys/ttl-agree?wait=true&waitIndex=${created}`);
        const e = (await h.json()) as { action: string; node: { modifiedIndex: number } };
        assert.equal(e.action, 'set');
        assert.equal(e.node.modifiedIndex, created);
      }
    });

    test('kill -9 during writes loses nothing acknowledged', async (t) => {
      const ours = new Map<string, string>();
      let stop = false;
      let writes = 0;
      const writer = async (w: number) => {
        for (let n = 0; !stop; n++) {
          const all = urls();
          const url = all[(w + n) % all.length]!;
          const key = `k9/${w}-${n}`;
          try {
            const r = await put(url, key, `${w}.${n}`, 2000);
            if (r.status === 200 || r.status === 201) {
              ours.set(key, `${w}.${n}`);
              writes++;
            }
          } catch {
            // unknown outcome: not acknowledged, so not checked
          }
        }
      };
      const started = performance.now();
      const writers = [0, 1, 2, 3].map(writer);
      await new Promise((r) => setTimeout(r, 1500));
      const victim = Math.max(0, await c.leader());
      await c.stop(victim);
      await new Promise((r) => setTimeout(r, 1000));
      c.start(victim);
      await new Promise((r) => setTimeout(r, 1500));
      stop = true;
      await Promise.all(writers);
      const ms = performance.now() - started;
      t.diagnostic(
        `${writes} acknowledged writes in ${ms.toFixed(0)} ms with a kill -9 of ${c.members[victim]!.name}`,
      );
      await c.waitServing('every member back');
      assert.ok(ours.size > 20, `too few acknowledged writes (${ours.size})`);
      await assertAllReadable(c, ours);
    });

    const both = layout.includes('go') && layout.includes('ours');
    for (const [via, added, removeVia] of (both
      ? [
          ['go', 'ours', 'ours'],
          ['ours', 'go', 'go'],
        ]
      : [[layout[0], layout[0], layout[0]]]) as Array<[Impl, Impl, Impl]>) {
      test(`a ${added} member added through a ${via} member, removed through a ${removeVia} member`, async () => {
        const through = (impl: Impl) => {
          const i = c.running().find((j) => c.members[j]!.impl === impl);
          assert.ok(i !== undefined, `a running ${impl} member`);
          return c.members[i]!.clientUrl;
        };
        const spec = await c.spec(`${added}-added-${via}`, added);
        const res = await fetch(`${through(via)}/v2/members`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ peerURLs: [spec.peerUrl] }),
        });
        const text = await res.text();
        assert.equal(res.status, 201, text);
        const { id } = JSON.parse(text) as { id: string };
        const list = (await (await fetch(`${through(via)}/v2/members`)).json()) as {
          members: Array<{ id: string; name: string; peerURLs: string[] }>;
        };
        const initial = list.members
          .map((m) => `${m.id === id ? spec.name : m.name}=${m.peerURLs[0]}`)
          .join(',');
        const idx = c.join(spec, initial);
        c.start(idx);
        await c.waitServing(`the added ${added} member to serve`);
        await putRetry(urls, `joined-${spec.name}`, 'z');
        acked.set(`joined-${spec.name}`, 'z');
        await assertAllReadable(c, acked);

        const del = await fetch(`${through(removeVia)}/v2/members/${id}`, { method: 'DELETE' });
        assert.equal(del.status, 204, await del.text());
        // A removed member stops itself ("permanently removed from the cluster").
        const code = await Promise.race([
          c.members[idx]!.proc!.exited,
          new Promise((r) => setTimeout(() => r('still running'), 15_000)),
        ]);
        assert.notEqual(code, 'still running', c.logs());
        c.members[idx]!.proc = null;
        await putRetry(urls, `after-remove-${spec.name}`, 'r');
        acked.set(`after-remove-${spec.name}`, 'r');
        await assertAllReadable(c, acked);
      });
    }
  });
}
