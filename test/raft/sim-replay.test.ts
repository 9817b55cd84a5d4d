// A seed is a complete description of a simulated run: replaying it gives the same run,
// event for event, which is what makes `npm run sim -- --seed N` a reproduction.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Prng } from '../../src/pkg/prng.js';
import { runSimulation } from './sim/simulation.js';
import { describeFailures } from './sim/suite.js';

async function traced(seed: number, nodes: number, countStaleVotes = false) {
  const lines: string[] = [];
  const r = await runSimulation({
    seed,
    nodes,
    steps: 200,
    countStaleVotes,
    trace: (l) => lines.push(l),
  });
  return { r, lines };
}

test('the same seed replays the same run, event for event', async () => {
  for (const [seed, nodes] of [
    [7, 3],
    [8, 5],
  ] as const) {
    const a = await traced(seed, nodes);
    const b = await traced(seed, nodes);
    assert.ok(a.lines.length > 1000, 'a run has many events');
    assert.deepEqual(b.lines, a.lines);
    assert.deepEqual(b.r, a.r);
    // Tracing does not change the run.
    const quiet = await runSimulation({ seed, nodes, steps: 200 });
    assert.deepEqual(quiet, a.r);
  }
});

test('different seeds give different runs', async () => {
  const a = await runSimulation({ seed: 11, nodes: 3, steps: 200 });
  const b = await runSimulation({ seed: 12, nodes: 3, steps: 200 });
  assert.notDeepEqual(a.stats, b.stats);
});

test('a failure names its seed, its invariant and the command that replays it', async () => {
  // Find a failing seed with the deliberate bug on, then replay it.
  let failed = null;
  for (let seed = 1; seed <= 400 && failed === null; seed++) {
    const r = await runSimulation({ seed, nodes: 3, steps: 300, countStaleVotes: true });
    if (!r.ok) failed = r;
  }
  assert.ok(failed !== null, 'a failing seed with countStaleVotes');
  const again = await runSimulation({
    seed: failed.seed,
    nodes: 3,
    steps: 300,
    countStaleVotes: true,
  });
  assert.deepEqual(again, failed);
  const text = describeFailures([failed], 300, ' --stale-votes');
  assert.match(
    text,
    new RegExp(`seed ${failed.seed} \\(3 nodes\\) at tick ${failed.tick}: ${failed.invariant}`),
  );
  assert.match(
    text,
    new RegExp(`npm run sim -- --seed ${failed.seed} --nodes 3 --steps 300 --stale-votes`),
  );
});

test('the PRNG is deterministic, in range, and roughly uniform', async () => {
  const a = new Prng(42);
  const b = new Prng(42);
  const seq = Array.from({ length: 100 }, () => a.u32());
  assert.deepEqual(
    Array.from({ length: 100 }, () => b.u32()),
    seq,
  );
  const c = new Prng(43);
  assert.notDeepEqual(
    Array.from({ length: 100 }, () => c.u32()),
    seq,
  );
  const r = new Prng(2 ** 40 + 5);
  const counts = new Array(10).fill(0);
  for (let i = 0; i < 100_000; i++) {
    const x = r.int(10);
    assert.ok(x >= 0 && x < 10);
    counts[x]++;
  }
  for (const c of counts) assert.ok(c > 9_000 && c < 11_000, `bucket count ${c}`);
  const f = r.fork();
  assert.notEqual(f.u32(), r.u32());
});
