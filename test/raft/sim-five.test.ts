// The cluster simulator over 5-node clusters (see sim.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeFailures, runSeeds } from './sim/suite.js';

const SEEDS = 500;
const STEPS = 300;

test(`simulator: ${SEEDS} seeds of a 5-node cluster keep every invariant`, async () => {
  // Seeds 100001.. so the two sizes do not share fault mixes.
  const r = await runSeeds({ from: 100_001, count: SEEDS, nodes: 5, steps: STEPS });
  assert.equal(r.failures.length, 0, `\n${describeFailures(r.failures, STEPS)}`);
  const t = r.totals;
  for (const k of [
    'crashes',
    'partitions',
    'pauses',
    'confChanges',
    'snapshotsSent',
    'dropped',
    'duplicated',
  ] as const) {
    assert.ok(t[k] > 0, `no ${k} in ${r.seeds} seeds`);
  }
  assert.ok(t.leaders >= r.seeds, 'every seed elects leaders');
});
