// Linearizability under faults: concurrent clients run quorum reads, writes and CAS on a
// few keys through every member of a 3-member cluster while members are killed (-9) and
// restarted, or paused (SIGSTOP) past the election timeout and resumed. The recorded
// history must be linearizable. Short in `npm test`; `npm run test:faults` runs it long.
// FAULTS_FLAVOR=reference runs the same test against Debian's etcd (to check the test).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Flavor, isServing, startCluster } from '../helpers/cluster.js';
import { checkLinearizable } from '../helpers/linearizability.js';
import { waitFor } from '../helpers/process.js';
import { referenceSkip } from '../helpers/reference.js';
import { Prng } from '../../src/pkg/prng.js';
import { runRegisterWorkload } from '../helpers/workload.js';

const LONG = process.env.FAULTS_LONG === '1';
const flavor = (process.env.FAULTS_FLAVOR ?? 'ours') as Flavor;
const seed = Number(process.env.FAULTS_SEED ?? Date.now() % 1_000_000);
const durationMs = LONG ? 120_000 : 8_000;

test(`history under kills and pauses is linearizable (${flavor}, seed ${seed})`, {
  timeout: durationMs + 120_000,
  skip: flavor === 'reference' ? referenceSkip() : false,
}, async (t) => {
  const prng = new Prng(seed);
  const random = () => prng.next();
  const cluster = await startCluster(3, { flavor });
  t.after(() => cluster.close());
  let stopFaults = false;
  const faults: string[] = [];

  const injector = (async () => {
    while (!stopFaults) {
      await new Promise((r) => setTimeout(r, 700 + random() * 1200));
      if (stopFaults) break;
      const i = Math.floor(random() * 3);
      const m = cluster.members[i]!;
      if (!m.proc) continue;
      if (random() < 0.5) {
        faults.push(`kill m${i}`);
        await cluster.stopMember(i, 'SIGKILL');
        await new Promise((r) => setTimeout(r, 200 + random() * 800));
        await cluster.startMember(i);
      } else {
        faults.push(`pause m${i}`);
        m.proc.proc.kill('SIGSTOP');
        await new Promise((r) => setTimeout(r, 600 + random() * 900));
        m.proc.proc.kill('SIGCONT');
      }
    }
  })();

  const result = await runRegisterWorkload({
    endpoints: () => cluster.clientUrls(),
    keys: ['a', 'b', 'c'],
    clients: 8,
    durationMs,
    random,
    timeoutMs: 2500,
  });
  stopFaults = true;
  await injector;

  // After healing, every member serves quorum reads again (progress).
  await waitFor(
    async () =>
      (await Promise.all(cluster.members.map((m) => isServing(m.clientUrl)))).every(Boolean),
    'cluster to heal',
    30_000,
  );

  const summary = `seed ${seed}; faults: ${faults.join(', ')}; ops ${JSON.stringify(result.counts)}`;
  t.diagnostic(summary);
  assert.ok(result.counts.ok > 50, `too few successful operations to mean anything: ${summary}`);
  const check = checkLinearizable(result.history);
  assert.equal(
    check.ok,
    true,
    `not linearizable on key ${check.key}: ${summary} (replay with FAULTS_SEED=${seed})`,
  );
});
