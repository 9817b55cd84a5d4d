// Rolling replacement (issue 13, docs/upgrading.md): a 3-member Go etcd 2.0.13 cluster under
// steady writes becomes a cluster of ours one member at a time, with the guide's commands
// (etcdctl member remove, a new data dir, etcdctl member add, start with what it printed),
// and then goes back to Go the same way. Every acknowledged write is there at the end,
// with the same index on every member.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { goEtcdSkip } from '../helpers/go-etcd.js';
import { assertAllReadable } from '../helpers/mixed-checks.js';
import { type Impl, type MixedCluster, put, startMixed } from '../helpers/mixed-cluster.js';
import { waitFor } from '../helpers/process.js';

const run = promisify(execFile);
const ETCDCTL = join(import.meta.dirname, '..', '..', '..', 'bin', 'etcdctl');

/** etcdctl's output; on failure, its requests (--debug) and every member's log go with it. */
async function etcdctl(c: MixedCluster, ...args: string[]): Promise<string> {
  const peers = c.running().map((i) => c.members[i]!.clientUrl);
  try {
    const r = await run(process.execPath, [
      ETCDCTL,
      '--debug',
      '--peers',
      peers.join(','),
      ...args,
    ]);
    return r.stdout;
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${c.logs()}`);
  }
}

/** Member IDs by name, from `etcdctl member list`. */
async function memberIds(c: MixedCluster): Promise<Map<string, string>> {
  const out = await etcdctl(c, 'member', 'list');
  const ids = new Map<string, string>();
  for (const m of out.matchAll(/^(\w+)(?:\[unstarted\])?: name=(\S*)/gm)) ids.set(m[2]!, m[1]!);
  return ids;
}

/** Replaces running member `i` by a new member running `to`; returns the new index. */
async function replace(c: MixedCluster, i: number, to: Impl, step: number): Promise<number> {
  const old = c.members[i]!;
  const id = (await memberIds(c)).get(old.name);
  assert.ok(id, `${old.name} in the member list`);
  // 1. Remove it (it stops itself once the removal is applied), and wait for it to go.
  await etcdctl(c, 'member', 'remove', id);
  await Promise.race([old.proc!.exited, new Promise((r) => setTimeout(r, 15_000))]);
  await c.stop(i);
  // 2. Add the new member under a new name, with a new data dir.
  const spec = await c.spec(`${to}-${step}`, to);
  const added = await etcdctl(c, 'member', 'add', spec.name, spec.peerUrl);
  const initial = /ETCD_INITIAL_CLUSTER="([^"]+)"/.exec(added)?.[1];
  assert.ok(initial && /ETCD_INITIAL_CLUSTER_STATE="existing"/.test(added), added);
  // 3. Start it with what `member add` printed.
  const idx = c.join(spec, initial);
  await startJoined(c, idx, spec.name);
  return idx;
}

/**
 * Starts a member that was just added. Go etcd 2.0.13 checks its --initial-cluster against
 * the member list of the first peer that answers, which may not have applied the addition
 * yet: it then exits with "member count is unequal", and starting it again is the remedy
 * (docs/upgrading.md says so).
 */
async function startJoined(c: MixedCluster, idx: number, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const p = c.start(idx);
    const exited = p.exited.then(() => 'exited' as const);
    // Settles either way, so a wait left behind by a restart is never an unhandled rejection.
    const serving = c.waitServing(`${name} to serve`).then(
      () => 'serving' as const,
      (e: Error) => e,
    );
    const outcome = await Promise.race([serving, exited]);
    if (outcome instanceof Error) throw outcome;
    if (outcome === 'serving') return;
    const raced = /member count is unequal/.test(p.output());
    assert.ok(raced && attempt < 5, `${name} exited (attempt ${attempt}):\n${c.logs()}`);
    await c.stop(idx);
  }
}

/** The running member to replace next: one still running `from`, the leader last. */
async function nextToReplace(c: MixedCluster, from: Impl): Promise<number | undefined> {
  const lead = await c.leader();
  const left = c.running().filter((i) => c.members[i]!.impl === from);
  return left.find((i) => i !== lead) ?? left[0];
}

test('rolling replacement: Go 2.0.13 → ours → Go, one member at a time, under writes', {
  skip: goEtcdSkip('etcd'),
  timeout: 300_000,
}, async (t) => {
  const c = await startMixed(['go', 'go', 'go']);
  t.after(() => c.close());
  const acked = new Map<string, string>();
  let attempts = 0;
  let stop = false;
  const writer = async (w: number) => {
    for (let n = 0; !stop; n++) {
      const all = c.running().map((i) => c.members[i]!.clientUrl);
      const key = `roll/${w}-${n}`;
      attempts++;
      try {
        const r = await put(all[n % all.length]!, key, `${w}.${n}`, 2000);
        if (r.status === 200 || r.status === 201) acked.set(key, `${w}.${n}`);
      } catch {
        // unknown outcome: not acknowledged, so not checked
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const writers = [0, 1, 2, 3].map(writer);
  // However the replacements end, the writers stop (or the test process never exits).
  t.after(() => {
    stop = true;
  });
  let step = 0;
  for (const [from, to] of [
    ['go', 'ours'],
    ['ours', 'go'],
  ] as const) {
    for (let k = 0; k < 3; k++) {
      const i = await nextToReplace(c, from);
      assert.ok(i !== undefined, `a ${from} member left to replace`);
      const before = acked.size;
      await replace(c, i, to, step++);
      // Writes go on through the change.
      await waitFor(async () => acked.size > before + 5, 'writes after the replacement', 20_000);
    }
    const impls = c.running().map((i) => c.members[i]!.impl);
    assert.deepEqual(impls, [to, to, to], `all ${to} now`);
  }
  stop = true;
  await Promise.all(writers);
  t.diagnostic(`${acked.size} of ${attempts} writes acknowledged over ${step} replacements`);
  assert.ok(acked.size > 100, `too few acknowledged writes (${acked.size})`);
  await assertAllReadable(c, acked);
});
