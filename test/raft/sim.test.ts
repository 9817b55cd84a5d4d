// The deterministic cluster simulator over many seeds: 3-node clusters here, 5-node ones
// in sim-five.test.ts (two files so the runner can use both cores). Every seed runs a
// chaos phase (loss, duplication, reordering, partitions, crashes mid-Ready, membership
// changes, snapshots) with Raft's safety invariants checked after every step, then heals
// and requires progress. A failure prints its seed and the command that replays it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeFailures, runSeeds } from './sim/suite.js';

const SEEDS_PER_SIZE = 500;
const STEPS = 300;

test(`simulator: ${SEEDS_PER_SIZE} seeds of a 3-node cluster keep every invariant`, async () => {
  const r = await runSeeds({ from: 1, count: SEEDS_PER_SIZE, nodes: 3, steps: STEPS });
  assert.equal(r.failures.length, 0, `\n${describeFailures(r.failures, STEPS)}`);
  const t = r.totals;
  // The faults and events really happened (a simulator that injects nothing proves nothing).
  for (const k of [
    'crashes',
    'readyCrashes',
    'restarts',
    'partitions',
    'pauses',
    'confChanges',
    'snapshots',
    'snapshotsSent',
    'dropped',
    'duplicated',
    'reads',
    'transfers',
    'peerDownNews',
  ] as const) {
    assert.ok(t[k] > 0, `no ${k} in ${r.seeds} seeds`);
  }
  assert.ok(t.leaders >= r.seeds, 'every seed elects leaders');
  assert.ok(t.committed > r.seeds * 10, 'seeds commit entries');
});
