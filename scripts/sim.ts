// The Raft cluster simulator from the command line.
//   npm run sim                          100,000 seeds (3 and 5 nodes), on every core
//   npm run sim -- --seed N              replays one seed with a full trace
//   npm run sim -- --seeds 5000 --nodes 5 --steps 800 --from 1000000 --jobs 2
//   npm run sim -- --stale-votes         with the core's deliberate bug switched on
//   npm run sim -- --two-voters          also shrink to two voters without pre-vote (a known deadlock)
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { type SimResult, runSimulation } from '../test/raft/sim/simulation.js';

interface Args {
  seeds: number;
  from: number;
  seed: number | null;
  nodes: number | null;
  steps: number;
  jobs: number;
  staleVotes: boolean;
  twoVoters: boolean;
  quiet: boolean;
}

const USAGE = `usage: npm run sim -- [--seeds N] [--from S] [--seed N] [--nodes 3|5] [--steps T] [--jobs J] [--stale-votes] [--two-voters] [--quiet]`;

function parseArgs(argv: string[]): Args {
  const a: Args = {
    seeds: 100_000,
    from: 1,
    seed: null,
    nodes: null,
    steps: 400,
    jobs: Math.max(1, availableParallelism()),
    staleVotes: false,
    twoVoters: false,
    quiet: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isSafeInteger(v) || v < 0)
        throw new Error(`${k} needs a non-negative integer\n${USAGE}`);
      return v;
    };
    if (k === '--seeds') a.seeds = num();
    else if (k === '--from') a.from = num();
    else if (k === '--seed') a.seed = num();
    else if (k === '--nodes') a.nodes = num();
    else if (k === '--steps') a.steps = num();
    else if (k === '--jobs') a.jobs = Math.max(1, num());
    else if (k === '--stale-votes') a.staleVotes = true;
    else if (k === '--quiet') a.quiet = true;
    else if (k === '--two-voters') a.twoVoters = true;
    else if (k === '--help' || k === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown option ${k}\n${USAGE}`);
  }
  return a;
}

/** Odd seeds run 3 nodes, even seeds 5, unless --nodes says otherwise. */
export function nodesFor(seed: number, nodes: number | null): number {
  return nodes ?? (seed % 2 === 1 ? 3 : 5);
}

function replayCommand(r: SimResult, a: Args): string {
  let cmd = `npm run sim -- --seed ${r.seed}`;
  if (a.nodes !== null) cmd += ` --nodes ${a.nodes}`;
  if (a.steps !== 400) cmd += ` --steps ${a.steps}`;
  if (a.staleVotes) cmd += ' --stale-votes';
  if (a.twoVoters) cmd += ' --two-voters';
  return cmd;
}

async function runRange(
  a: Args,
  from: number,
  count: number,
  stride: number,
  onResult: (r: SimResult) => void,
): Promise<void> {
  for (let s = from; s < a.from + count; s += stride) {
    onResult(
      await runSimulation({
        seed: s,
        nodes: nodesFor(s, a.nodes),
        steps: a.steps,
        countStaleVotes: a.staleVotes,
        twoVoters: a.twoVoters,
      }),
    );
  }
}

async function main(): Promise<void> {
  let a: Args;
  try {
    a = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  if (a.seed !== null) {
    const r = await runSimulation({
      seed: a.seed,
      nodes: nodesFor(a.seed, a.nodes),
      steps: a.steps,
      countStaleVotes: a.staleVotes,
      twoVoters: a.twoVoters,
      trace: (line) => console.log(line),
    });
    console.log(JSON.stringify(r.stats));
    if (r.ok) console.log(`seed ${r.seed} (${r.nodes} nodes): ok`);
    else
      console.log(
        `seed ${r.seed} (${r.nodes} nodes) FAILED at tick ${r.tick}: ${r.invariant}: ${r.message}`,
      );
    process.exit(r.ok ? 0 : 1);
  }
  const started = Date.now();
  const jobs = Math.min(a.jobs, a.seeds);
  let done = 0;
  let failed = 0;
  let lastPrint = started;
  let maxHealTicks = 0;
  const totals = {
    ticks: 0,
    leaders: 0,
    committed: 0,
    crashes: 0,
    partitions: 0,
    confChanges: 0,
    snapshotsSent: 0,
  };
  const onResult = (r: SimResult): void => {
    done++;
    for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += r.stats[k];
    if (r.ok && r.stats.healTicks > maxHealTicks) maxHealTicks = r.stats.healTicks;
    if (!r.ok) {
      failed++;
      console.log(
        `FAIL seed ${r.seed} (${r.nodes} nodes) at tick ${r.tick}: ${r.invariant}: ${r.message}`,
      );
      console.log(`  replay: ${replayCommand(r, a)}`);
    }
    const now = Date.now();
    if (!a.quiet && (now - lastPrint > 2000 || done === a.seeds)) {
      lastPrint = now;
      const rate = done / ((now - started) / 1000);
      console.log(`${done}/${a.seeds} seeds, ${failed} failed, ${rate.toFixed(0)} seeds/s`);
    }
  };
  const finish = (): void => {
    const secs = (Date.now() - started) / 1000;
    console.log(
      `${done} seeds from ${a.from} in ${secs.toFixed(1)} s (${jobs} jobs, ${a.steps} steps): ${failed} failed; ` +
        `longest recovery after healing ${maxHealTicks} ticks; totals ${JSON.stringify(totals)}`,
    );
    process.exit(failed === 0 ? 0 : 1);
  };
  if (jobs === 1) {
    await runRange(a, a.from, a.seeds, 1, onResult);
    finish();
    return;
  }
  let running = jobs;
  const self = fileURLToPath(import.meta.url);
  for (let j = 0; j < jobs; j++) {
    const w = new Worker(self, { workerData: { args: a, offset: j, stride: jobs } });
    w.on('message', onResult);
    w.on('error', (err) => {
      console.error(err);
      process.exit(1);
    });
    w.on('exit', () => {
      if (--running === 0) finish();
    });
  }
}

if (isMainThread) await main();
else {
  const { args, offset, stride } = workerData as { args: Args; offset: number; stride: number };
  await runRange(args, args.from + offset, args.seeds, stride, (r) => parentPort!.postMessage(r));
}
