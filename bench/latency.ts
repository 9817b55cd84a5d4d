// `npm run bench:latency`: p50 and p99 latency of one write (PUT 256 B) and one read (GET
// of a 256-byte key) with 1 and 64 clients (keep-alive connections, each with one request
// in flight), one member of each implementation, same run, alternating.
// BENCH_SECONDS (5) is each run's length, BENCH_ROUNDS (2) the rounds (the lowest counts).
// Every load runs through wrk and through bench/closed-loop.c. wrk "corrects" its
// percentiles for coordinated omission, which turns each pause into made-up samples, the
// more the faster the server (closed-loop.c says how); the closed loop's samples are the
// requests as measured. Both are printed, with how much of the run each one's latencies
// add up to per connection (at most 100% for requests one at a time). Each round also runs
// every load against latency-floor.ts, the least a server on one Node thread can do for
// it here; its figures are printed beside 2.0.13's under the table.
import { closedLoop, closedLoopBinary } from './closed-loop.js';
import { startFloor } from './floor.js';
import { alternate, describeImpls, implementations } from './impls.js';
import { type Group, launch } from './launch.js';
import { LATENCY_LOADS, LATENCY_SECONDS as SECONDS, warmUp, wrkLoad } from './latency-loads.js';
import { describeLoad, logRun, type Target } from './load.js';
import { benchDir, runMain } from './procs.js';
import type { LoadResult } from './server-load.js';
import { Best, printFloorTable, printTable } from './table.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

/** How much of the run a connection's latencies add up to: at most 100% when measured. */
function addUp(busy: number, wrk: LoadResult, connections: number): string {
  const wrkBusy =
    wrk.mean === undefined
      ? Number.NaN
      : (wrk.requests * wrk.mean) / 1000 / wrk.seconds / connections;
  const pct = (x: number) => (Number.isNaN(x) ? '?' : `${(x * 100).toFixed(0)}%`);
  return `a connection's latencies add up to ${pct(busy)} of the run (wrk's: ${pct(wrkBusy)})`;
}

/**
 * Why the closed loop's mean is printed: with every connection one request at a time, the
 * mean is fixed by throughput alone, so it is the one latency figure no serving order moves.
 */
const LITTLE = [
  "closed loop mean = connections / throughput (Little's law): a server that answers in",
  'arrival order has its p50 near its mean; a p50 far below the mean comes with a p99 far',
  'above it (some connections served again and again while others wait).',
];

/** What the floor is and what its column says. */
const FLOOR = [
  "floor: a bare Node server keeping a member's duties and no more: a PUT durable before",
  'its answer (one O_DSYNC write per loop turn), the node and the last 1,000 events kept, a',
  "GET answered from its node's ready JSON; no raft, no checks (bench/latency-floor.ts).",
  "fl/2.0.13 above 1: even the floor missed 2.0.13's figure in this run.",
];

/**
 * One load through wrk and the closed loop against one server: `keep` gets each figure
 * (its row's name and ms) of each run without errors: p50 and p99, and the closed loop's mean.
 */
async function measure(
  t: Target,
  who: { label: string },
  load: (typeof LATENCY_LOADS)[number],
  bin: string | null,
  keep: (figure: string, ms: number) => void,
): Promise<void> {
  const { what, method, path, clients } = load;
  const row = (stat: string, tool: string) => `${what} ${stat} ms, ${clients} client(s), ${tool}`;
  const r = await wrkLoad(t, method, path, clients);
  logRun(`${what} ${clients} client(s), wrk`, who, r);
  if (r.errors > 0) return;
  keep(row('p50', 'wrk'), r.p50);
  keep(row('p99', 'wrk'), r.p99);
  if (bin === null) return;
  const c = await closedLoop(bin, t, clients, method, path, SECONDS);
  logRun(`${what} ${clients} client(s), closed loop`, who, c);
  if (c.errors === 0) {
    keep(row('p50', 'closed loop'), c.p50);
    keep(row('p99', 'closed loop'), c.p99);
    keep(row('mean', 'closed loop'), c.mean);
  }
  console.log(`    ${addUp(c.busy, r, clients)}, p99.9 ${c.p999.toFixed(2)} ms`);
}

async function main(): Promise<void> {
  const { impls, notes } = implementations();
  console.log(
    `bench:latency: one member each and the floor; ${SECONDS}s per run, ${ROUNDS} rounds (lowest counts)`,
  );
  console.log(describeLoad());
  console.log(describeImpls(impls));
  const groups: Group[] = [];
  const best = new Best();
  const floorBest = new Map<string, number>();
  let floor: Awaited<ReturnType<typeof startFloor>> | null = null;
  try {
    for (const impl of impls) groups.push(await launch(impl, 1));
    floor = await startFloor('latency-floor.js', [benchDir('bench-latency-floor').path]);
    for (const g of groups) await warmUp(g.members[0]!);
    await warmUp(floor.target);
    const bin = closedLoopBinary();
    for (let round = 0; round < ROUNDS; round++) {
      for (const load of LATENCY_LOADS) {
        for (const g of alternate(groups, round)) {
          await measure(g.members[0]!, g.impl, load, bin, (f, ms) =>
            best.keep(f, g.impl, ms, 'lower'),
          );
        }
        await measure(floor.target, floor.target, load, bin, (f, ms) =>
          floorBest.set(f, Math.min(ms, floorBest.get(f) ?? ms)),
        );
      }
    }
  } finally {
    for (const g of groups) await g.close();
    await floor?.stop();
  }
  printTable('latency (one member)', best.all(), [...notes, ...LITTLE]);
  printFloorTable(
    'latency: the floor (bench/latency-floor.ts) beside ours and 2.0.13',
    best.all(),
    floorBest,
    FLOOR,
  );
}

runMain(main);
