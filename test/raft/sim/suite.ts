// Runs a range of seeds for the test suite and sums what they exercised, so a test can
// assert both "no seed broke an invariant" and "the faults really happened".
import { type SimResult, type SimStats, runSimulation } from './simulation.js';

export interface SuiteResult {
  failures: SimResult[];
  totals: SimStats;
  seeds: number;
}

export async function runSeeds(opts: {
  from: number;
  count: number;
  nodes: number;
  steps: number;
  countStaleVotes?: boolean;
  stopAtFirstFailure?: boolean;
}): Promise<SuiteResult> {
  const failures: SimResult[] = [];
  let totals: SimStats | null = null;
  let seeds = 0;
  for (let seed = opts.from; seed < opts.from + opts.count; seed++) {
    const r = await runSimulation({
      seed,
      nodes: opts.nodes,
      steps: opts.steps,
      countStaleVotes: opts.countStaleVotes === true,
    });
    seeds++;
    if (totals === null) totals = { ...r.stats };
    else for (const k of Object.keys(totals) as (keyof SimStats)[]) totals[k] += r.stats[k];
    if (!r.ok) {
      failures.push(r);
      if (opts.stopAtFirstFailure) break;
    }
  }
  return { failures, totals: totals!, seeds };
}

/** One line per failure, with the command that replays it. */
export function describeFailures(failures: SimResult[], steps: number, extra = ''): string {
  return failures
    .map(
      (r) =>
        `seed ${r.seed} (${r.nodes} nodes) at tick ${r.tick}: ${r.invariant}: ${r.message?.split('\n')[0]}\n` +
        `  replay: npm run sim -- --seed ${r.seed} --nodes ${r.nodes} --steps ${steps}${extra}`,
    )
    .join('\n');
}
