// The simulator has teeth: with the core's deliberate bug switched on (a candidate
// counts vote responses from older terms as grants), it must catch a safety violation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSeeds } from './sim/suite.js';

// Any safety invariant may be the first to notice; liveness or a crash would not count.
const SAFETY = new Set([
  'election safety',
  'leader completeness',
  'log matching',
  'state machine safety',
  'leader commits its own term',
  'one vote per term',
  'read index',
]);

for (const nodes of [3, 5]) {
  test(`simulator catches stale votes counted as grants (${nodes} nodes)`, async () => {
    const r = await runSeeds({
      from: 1,
      count: 400,
      nodes,
      steps: 300,
      countStaleVotes: true,
      stopAtFirstFailure: true,
    });
    assert.equal(r.failures.length, 1, `no violation in ${r.seeds} seeds with countStaleVotes on`);
    const f = r.failures[0]!;
    assert.ok(SAFETY.has(f.invariant!), `seed ${f.seed} failed with ${f.invariant}: ${f.message}`);
    // The same seed with the rule intact passes: the bug, not the simulator, failed it.
    const clean = await runSeeds({ from: f.seed, count: 1, nodes, steps: 300 });
    assert.equal(clean.failures.length, 0, `seed ${f.seed} fails without the bug too`);
  });
}
