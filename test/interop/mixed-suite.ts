// Go etcd 2.0.13 members and ours in one cluster (issue 13), as real processes: 2 Go + 1
// ours and 1 Go + 2 ours. Writes through every member with the same keyspace everywhere,
// the leader killed on each side in turn, TTL expiry and watches from an index agreeing,
// a stopped member catching up by snapshot in both directions (Go leader → ours, ours →
// Go), kill -9 during writes losing nothing acknowledged, member add and remove issued
// from each side, and at the end every member's saved store byte-identical.
//
// `npm test` runs a short form: each layout file runs the checks it names (together they
// cover every check once); INTEROP=1 (`npm run test:interop`) runs every check on both.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { goEtcdSkip } from '../helpers/go-etcd.js';
import {
  assertAllReadable,
  firstDifference,
  newestSnapshotStore,
  normaliseStore,
  readTree,
  watchFrom,
} from '../helpers/mixed-checks.js';
import {
  type Impl,
  type MixedCluster,
  put,
  putRetry,
  startMixed,
} from '../helpers/mixed-cluster.js';
import { waitFor } from '../helpers/process.js';

const skip = goEtcdSkip('etcd');

export type Check =
  | 'failover'
  | 'ttl-watch'
  | 'snap-from-go'
  | 'snap-from-ours'
  | 'kill9'
  | 'members';

/**
 * Kills leaders until the leader is of `want` (an election is random; we steer it): with
 * the leader down, the members not of `want` are paused past the longest election timeout,
 * so a member of `want` is campaigning when they resume and get its vote request (a paused
 * member's election timer does not catch up on resume: neither Go's ticker nor ours does).
 */
async function leaderOf(c: MixedCluster, want: Impl): Promise<number> {
  for (let attempt = 0; attempt < 10; attempt++) {
    let lead = -1;
    await waitFor(async () => (lead = await c.leader()) >= 0, 'a leader', 20_000);
    if (c.members[lead]!.impl === want) return lead;
    await c.stop(lead);
    const paused = c.running().filter((i) => c.members[i]!.impl !== want);
    for (const i of paused) c.members[i]!.proc!.proc.kill('SIGSTOP');
    // --election-timeout 500: a follower campaigns within 2 × 500 ms.
    await new Promise((r) => setTimeout(r, 1200));
    for (const i of paused) c.members[i]!.proc!.proc.kill('SIGCONT');
    await waitFor(async () => (await c.leader()) >= 0, 'a leader', 20_000).catch(() => {});
    c.start(lead);
    await c.waitServing('the killed leader back');
  }
  throw new Error(`could not get a leader of kind ${want}\n${c.logs()}`);
}

/**
 * `n` quorum reads through the members in turn, there only to add entries to the log: what
 * they answer is not looked at, and each gives up after 2 s. (A Go member restoring a
 * snapshot leaves its pending requests unanswered until its own timeout; waiting on them,
 * with retries, could take a check longer than the whole wait.)
 */
async function logEntries(urls: string[], n: number): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, (_, i) => headersOf(`${urls[i % urls.length]}/v2/keys/?quorum=true`)),
  );
}

/** A GET's answer headers (its body read and dropped), or null if none came within 2 s. */
async function headersOf(url: string): Promise<Headers | null> {
  const r = await fetch(url, { signal: AbortSignal.timeout(2000) }).catch(() => null);
  await r?.arrayBuffer().catch(() => {});
  return r?.headers ?? null;
}

/** Each running member's newest snapshot and store index, for a failure's message. */
async function snapshotsSeen(c: MixedCluster): Promise<string> {
  const lines: string[] = [];
  for (const i of c.running()) {
    const m = c.members[i]!;
    const s = await newestSnapshotStore(m.dataDir).catch(() => null);
    const index = (await headersOf(`${m.clientUrl}/v2/keys/`))?.get('x-etcd-index') ?? '?';
    lines.push(
      `${m.name} (${m.impl}): newest snapshot at log index ${s?.index ?? '-'} with store index ${s?.currentIndex ?? '-'}; store index now ${index}`,
    );
  }
  return lines.join('\n');
}

async function form(url: string, method: string, key: string, body = ''): Promise<number> {
  const r = await fetch(`${url}/v2/keys/${key}`, {
    method,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: method === 'DELETE' ? null : body,
    signal: AbortSignal.timeout(5000),
  });
  const text = await r.text();
  assert.ok(r.status === 200 || r.status === 201, `${method} ${key}: ${r.status} ${text}`);
  return (JSON.parse(text) as { node: { modifiedIndex: number } }).node.modifiedIndex;
}

/**
 * The checks on one layout. Each layout has its own test file, so the two run in parallel.
 * MIXED_LAYOUT="go,go,go" (or "ours,ours,ours") runs a file's checks on another layout
 * instead, for the all-Go and all-ours figures beside the mixed ones.
 */
export function mixedSuite(defaultLayout: Impl[], short: Check[]): void {
  const layout = process.env.MIXED_LAYOUT
    ? (process.env.MIXED_LAYOUT.split(',') as Impl[])
    : defaultLayout;
  const full = process.env.INTEROP === '1';
  const runs = (k: Check) => full || short.includes(k);
  const both = layout.includes('go') && layout.includes('ours');
  describe(`mixed cluster ${layout.join(' + ')}`, {
    skip,
    timeout: full ? 480_000 : 240_000,
  }, () => {
    let c: MixedCluster;
    const acked = new Map<string, string>();
    const urls = () => c.running().map((i) => c.members[i]!.clientUrl);
    const anyOf = (impl: Impl, not = -1) => {
      const i = c.running().find((j) => c.members[j]!.impl === impl && j !== not);
      assert.ok(i !== undefined, `a running ${impl} member`);
      return i;
    };
    /** Writes 120 keys with 4 writers: past 2 snapshots at --snapshot-count 50. */
    const writeMany = async (prefix: string) => {
      await Promise.all(
        [0, 1, 2, 3].map(async (w) => {
          for (let n = 0; n < 30; n++) {
            const key = `${prefix}/${w}-${n}`;
            await putRetry(urls, key, `${n}`);
            acked.set(key, `${n}`);
          }
        }),
      );
    };

    before(async () => {
      c = await startMixed(layout);
    });
    after(async () => {
      await c?.close();
    });

    test('writes through every member; every member holds the same keyspace', async (t) => {
      const started = performance.now();
      let n = 0;
      for (let round = 0; round < 5; round++) {
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

    if (runs('failover')) {
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
    }

    if (runs('ttl-watch')) {
      test('TTL expiry and watches from an index agree on every member', async () => {
        const g = c.members[anyOf(both ? 'go' : layout[0]!)]!.clientUrl;
        const o = c.members[anyOf(both ? 'ours' : layout[0]!)]!.clientUrl;
        const base = await form(o, 'PUT', 'ttl/base', 'value=b');
        // Through both sides: TTL keys that expire, one made permanent, a delete.
        await form(g, 'PUT', 'ttl/go', 'value=g&ttl=1');
        await form(o, 'PUT', 'ttl/ours', 'value=o&ttl=1');
        await form(g, 'PUT', 'ttl/kept', 'value=k&ttl=1');
        await form(o, 'PUT', 'ttl/kept', 'value=k2&prevExist=true');
        await form(g, 'DELETE', 'ttl/base');
        acked.set('ttl/kept', 'k2');
        const histories = new Map<string, string[]>();
        for (const i of c.running()) {
          histories.set(
            c.members[i]!.name,
            await watchFrom(c.members[i]!.clientUrl, 'ttl', base, 7),
          );
        }
        const first = [...histories][0];
        assert.ok(first, 'a running member');
        const [name0, h0] = first;
        const actions = h0!.map((e) => (JSON.parse(e) as { action: string }).action);
        assert.deepEqual(actions, ['set', 'set', 'set', 'update', 'delete', 'expire', 'expire']);
        const expired = h0!
          .slice(5)
          .map((e) => (JSON.parse(e) as { node: { key: string } }).node.key);
        assert.deepEqual(expired.sort(), ['/ttl/go', '/ttl/ours']);
        for (const [name, h] of histories) assert.deepEqual(h, h0, `${name} and ${name0}`);
        // The expired keys are gone everywhere, with the same answer.
        const answers = new Set<string>();
        for (const i of c.running()) {
          const r = await fetch(`${c.members[i]!.clientUrl}/v2/keys/ttl/go?quorum=true`);
          assert.equal(r.status, 404);
          answers.add(await r.text());
        }
        assert.equal(answers.size, 1, [...answers].join('\n'));
        await assertAllReadable(c, acked);
      });
    }

    for (const [check, leaderSide, follower] of [
      ['snap-from-go', 'go', 'ours'],
      ['snap-from-ours', 'ours', 'go'],
    ] as Array<[Check, Impl, Impl]>) {
      if (!both || !runs(check)) continue;
      test(`a ${follower} member stopped past a ${leaderSide} leader's snapshot catches up by snapshot`, async () => {
        const lead = await leaderOf(c, leaderSide);
        const x = anyOf(follower, lead);
        await c.stop(x, 'SIGTERM');
        await writeMany(`behind-${follower}`);
        c.start(x);
        await c.waitServing('the stopped member back');
        // What each side logs on sending / installing a snapshot.
        const sent =
          leaderSide === 'go' ? /sent snapshot\[index/ : /sending database snapshot \[index/;
        const got =
          follower === 'go' ? /recovered from incoming snapshot/ : /received database snapshot/;
        await waitFor(
          () =>
            got.test(c.members[x]!.proc!.output()) &&
            c.running().some((i) => i !== x && sent.test(c.members[i]!.proc!.output())),
          `a snapshot from the ${leaderSide} leader installed`,
          20_000,
        ).catch(() => assert.fail(c.logs()));
        await assertAllReadable(c, acked);
      });
    }

    if (runs('kill9')) {
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
        await new Promise((r) => setTimeout(r, 1000));
        const victim = Math.max(0, await c.leader());
        await c.stop(victim);
        await new Promise((r) => setTimeout(r, 1000));
        c.start(victim);
        await new Promise((r) => setTimeout(r, 1000));
        stop = true;
        await Promise.all(writers);
        const ms = performance.now() - started;
        t.diagnostic(
          `${writes} acknowledged writes in ${ms.toFixed(0)} ms with a kill -9 of ${c.members[victim]!.name}`,
        );
        await c.waitServing('every member back');
        assert.ok(ours.size > 20, `too few acknowledged writes (${ours.size})`);
        for (const [k, v] of ours) acked.set(k, v);
        await assertAllReadable(c, acked);
      });
    }

    if (runs('members')) {
      for (const [via, added, removeVia] of (both
        ? [
            ['go', 'ours', 'ours'],
            ['ours', 'go', 'go'],
          ]
        : [[layout[0], layout[0], layout[0]]]) as Array<[Impl, Impl, Impl]>) {
        test(`a ${added} member added through a ${via} member, removed through a ${removeVia} member`, async () => {
          const through = (impl: Impl) => c.members[anyOf(impl)]!.clientUrl;
          const spec = await c.spec(`${added}-added-${via}`, added);
          const res = await fetch(`${through(via)}/v2/members`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ peerURLs: [spec.peerUrl] }),
          });
          const text = await res.text();
          assert.equal(res.status, 201, text);
          const { id } = JSON.parse(text) as { id: string };
          type Listed = { members: Array<{ id: string; name: string; peerURLs: string[] }> };
          // The new member asks a peer for the membership: every peer must list it first.
          let list: Listed = { members: [] };
          await waitFor(async () => {
            for (const u of urls()) {
              list = (await (await fetch(`${u}/v2/members`)).json()) as Listed;
              if (!list.members.some((m) => m.id === id)) return false;
            }
            return true;
          }, 'every member to list the added one');
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
    }

    test('every member saved the same store (Go and ours byte for byte)', async (t) => {
      await c.waitServing('every member');
      const want = (await readTree(urls()[0]!)).etcdIndex;
      // Snapshots come every --snapshot-count (50) log entries; quorum reads are log
      // entries that leave the store as it is, so they bring a snapshot of this store.
      const saved = new Map<number, { text: string; index: number }>();
      await waitFor(
        async () => {
          for (const i of c.running()) {
            const s = await newestSnapshotStore(c.members[i]!.dataDir);
            if (s !== null && s.currentIndex === want) saved.set(i, s);
          }
          if (c.running().every((i) => saved.has(i))) return true;
          await logEntries(urls(), 20);
          return false;
        },
        `a snapshot of store index ${want} on every member`,
        30_000,
      ).catch(async (e) =>
        assert.fail(`${(e as Error).message}\n${await snapshotsSeen(c)}\n${c.logs()}`),
      );
      const [first, ...rest] = [...saved];
      const a = normaliseStore(first![1].text);
      for (const [i, s] of rest) {
        const b = normaliseStore(s.text);
        const who = `${c.members[first![0]]!.name} (log index ${first![1].index}) and ${c.members[i]!.name} (${s.index})`;
        assert.ok(a === b, `stores of ${who} differ ${firstDifference(a, b)}`);
      }
      t.diagnostic(
        `store at index ${want}: ${a.length} bytes, identical on ${saved.size} members (${[...saved.keys()].map((i) => c.members[i]!.impl).join(', ')})`,
      );
    });
  });
}
