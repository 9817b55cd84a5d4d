// `npm run bench:latency`: p50 and p99 latency of one write (PUT 256 B) and one read (GET
// of a 256-byte key) with 1 and 64 clients (keep-alive connections, each with one request
// in flight), one member of each implementation, same run, alternating.
// BENCH_SECONDS (5) is each run's length, BENCH_ROUNDS (2) the rounds (the lowest counts).
// Every load runs through wrk and through bench/closed-loop.c. wrk "corrects" its
// percentiles for coordinated omission, which turns each pause into made-up samples, the
// more the faster the server (closed-loop.c says how); the closed loop's samples are the
// requests as measured. Both are printed, with how much of the run each one's latencies
// add up to per connection (at most 100% for requests one at a time).
import { closedLoop, closedLoopBinary } from './closed-loop.js';
import { alternate, describeImpls, implementations } from './impls.js';
import { type Group, launch } from './launch.js';
import { LATENCY_LOADS, LATENCY_SECONDS as SECONDS, warmUp, wrkLoad } from './latency-loads.js';
import { describeLoad, logRun } from './load.js';
import { runMain } from './procs.js';
import type { LoadResult } from './server-load.js';
import { Best, printTable } from './table.js';

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

async function main(): Promise<void> {
  const { impls, notes } = implementations();
  console.log(
    `bench:latency: one member each; ${SECONDS}s per run, ${ROUNDS} rounds (lowest counts)`,
  );
  console.log(describeLoad());
  console.log(describeImpls(impls));
  const groups: Group[] = [];
  const best = new Best();
  try {
    for (const impl of impls) groups.push(await launch(impl, 1));
    for (const g of groups) await warmUp(g);
    const bin = closedLoopBinary();
    for (let round = 0; round < ROUNDS; round++) {
      for (const { what, method, path, clients } of LATENCY_LOADS) {
        for (const g of alternate(groups, round)) {
          const row = (stat: string, tool: string) =>
            `${what} ${stat} ms, ${clients} client(s), ${tool}`;
          /** Logs a run and, if it had no errors, keeps its p50 and p99. */
          const keep = (tool: string, r: LoadResult): boolean => {
            logRun(`${what} ${clients} client(s), ${tool}`, g.impl, r);
            if (r.errors > 0) return false;
            best.keep(row('p50', tool), g.impl, r.p50, 'lower');
            best.keep(row('p99', tool), g.impl, r.p99, 'lower');
            return true;
          };
          const r = await wrkLoad(g, method, path, clients);
          if (!keep('wrk', r) || bin === null) continue;
          const c = await closedLoop(bin, g.members[0]!, clients, method, path, SECONDS);
          if (keep('closed loop', c))
            best.keep(row('mean', 'closed loop'), g.impl, c.mean, 'lower');
          console.log(`    ${addUp(c.busy, r, clients)}, p99.9 ${c.p999.toFixed(2)} ms`);
        }
      }
    }
  } finally {
    for (const g of groups) await g.close();
  }
  printTable('latency (one member)', best.all(), [...notes, ...LITTLE]);
}

runMain(main);
