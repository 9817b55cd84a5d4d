// Linearizability under faults: concurrent clients run quorum reads, writes and CAS on a
// few keys through every member of a 3-member cluster while members are killed (-9) and
// restarted, or paused (SIGSTOP) past the election timeout and resumed. The recorded
// history must be linearizable. Short in `npm test`; `npm run test:faults` runs it long.
// FAULTS_FLAVOR=reference runs the same test against Go etcd 2.0.13 (to check the test).
// The mixed flavour runs it on 1 Go etcd 2.0.13 member and 2 of ours (issue 13).
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import type { ChildProcess } from 'node:child_process';
import { type Flavor, isServing, startCluster } from '../helpers/cluster.js';
import { goEtcdSkip } from '../helpers/go-etcd.js';
import { checkLinearizable } from '../helpers/linearizability.js';
import { startMixed } from '../helpers/mixed-cluster.js';
import { waitFor } from '../helpers/process.js';
import { referenceSkip } from '../helpers/reference.js';
import { Prng } from '../../src/pkg/prng.js';
import { runRegisterWorkload } from '../helpers/workload.js';

const LONG = process.env.FAULTS_LONG === '1';
const flavor = (process.env.FAULTS_FLAVOR ?? 'ours') as Flavor;
const seed = Number(process.env.FAULTS_SEED ?? Date.now() % 1_000_000);
const durationMs = LONG ? 120_000 : 8_000;

/** What the fault injector needs of a cluster of three processes. */
interface FaultTarget {
  size: number;
  proc(i: number): ChildProcess | null;
  kill(i: number): Promise<void>;
  restart(i: number): void;
  clientUrls(): string[];
  allClientUrls(): string[];
  /** The members' output, for a failure message. */
  logs(): string;
}

async function historyUnderFaults(
  t: TestContext,
  c: FaultTarget,
  ms: number,
  label: string,
): Promise<void> {
  const prng = new Prng(seed);
  const random = () => prng.next();
  let stopFaults = false;
  const faults: string[] = [];

  const injector = (async () => {
    while (!stopFaults) {
      await new Promise((r) => setTimeout(r, 700 + random() * 1200));
      if (stopFaults) break;
      const i = Math.floor(random() * c.size);
      const p = c.proc(i);
      if (!p) continue;
      if (random() < 0.5) {
        faults.push(`kill m${i}`);
        await c.kill(i);
        await new Promise((r) => setTimeout(r, 200 + random() * 800));
        c.restart(i);
      } else {
        faults.push(`pause m${i}`);
        p.kill('SIGSTOP');
        await new Promise((r) => setTimeout(r, 600 + random() * 900));
        p.kill('SIGCONT');
      }
    }
  })();

  const result = await runRegisterWorkload({
    endpoints: () => c.clientUrls(),
    keys: ['a', 'b', 'c'],
    clients: 8,
    durationMs: ms,
    random,
    timeoutMs: 2500,
  });
  stopFaults = true;
  await injector;

  // After healing, every member serves quorum reads again (progress).
  try {
    await waitFor(
      async () => (await Promise.all(c.allClientUrls().map((u) => isServing(u)))).every(Boolean),
      'cluster to heal',
      30_000,
    );
  } catch (e) {
    throw new Error(
      `${(e as Error).message} (seed ${seed}; faults: ${faults.join(', ')})\n${c.logs()}`,
    );
  }

  const summary = `${label}; seed ${seed}; faults: ${faults.join(', ')}; ops ${JSON.stringify(result.counts)}`;
  t.diagnostic(summary);
  assert.ok(result.counts.ok > 50, `too few successful operations to mean anything: ${summary}`);
  const check = checkLinearizable(result.history);
  assert.equal(
    check.ok,
    true,
    `not linearizable on key ${check.key}: ${summary} (replay with FAULTS_SEED=${seed})`,
  );
}

test(`history under kills and pauses is linearizable (${flavor}, seed ${seed})`, {
  timeout: durationMs + 120_000,
  skip: flavor === 'reference' ? referenceSkip() : false,
}, async (t) => {
  const cluster = await startCluster(3, { flavor });
  t.after(() => cluster.close());
  await historyUnderFaults(
    t,
    {
      size: 3,
      proc: (i) => cluster.members[i]!.proc?.proc ?? null,
      kill: (i) => cluster.stopMember(i, 'SIGKILL'),
      restart: (i) => void cluster.startMember(i),
      clientUrls: () => cluster.clientUrls(),
      allClientUrls: () => cluster.members.map((m) => m.clientUrl),
      logs: () =>
        cluster.members
          .map((m) => `--- ${m.name}\n${m.proc?.output().slice(-4000) ?? ''}`)
          .join('\n'),
    },
    durationMs,
    flavor,
  );
});

const mixedMs = LONG ? 120_000 : 6_000;
for (const layout of [
  ['go', 'ours', 'ours'],
  ['go', 'go', 'ours'],
] as const) {
  const goCount = layout.filter((x) => x === 'go').length;
  test(`history under kills and pauses is linearizable (${goCount} Go 2.0.13 + ${3 - goCount} ours, seed ${seed})`, {
    timeout: mixedMs + 120_000,
    skip: goEtcdSkip('etcd'),
  }, async (t) => {
    const cluster = await startMixed([...layout]);
    t.after(() => cluster.close());
    await historyUnderFaults(
      t,
      {
        size: 3,
        proc: (i) => cluster.members[i]!.proc?.proc ?? null,
        kill: (i) => cluster.stop(i),
        restart: (i) => void cluster.start(i),
        clientUrls: () => cluster.running().map((i) => cluster.members[i]!.clientUrl),
        allClientUrls: () => cluster.members.map((m) => m.clientUrl),
        logs: () => cluster.logs(),
      },
      mixedMs,
      'mixed',
    );
  });
}
