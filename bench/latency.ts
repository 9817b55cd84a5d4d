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
import { describeLoad, getLoad, logRun, putLoad, putOne } from './load.js';
import { runMain } from './procs.js';
import type { LoadResult } from './server-load.js';
import { Best, printTable } from './table.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

const RUNS: [string, 'PUT' | 'GET', string, (g: Group, clients: number) => Promise<LoadResult>][] =
  [
    [
      'write',
      'PUT',
      '/v2/keys/bench/lat',
      (g, c) => putLoad(g.members[0]!, '/v2/keys/bench/lat', c, SECONDS),
    ],
    [
      'read',
      'GET',
      '/v2/keys/bench/read',
      (g, c) => getLoad(g.members[0]!, '/v2/keys/bench/read', c, SECONDS),
    ],
  ];

/** How much of the run a connection's latencies add up to: at most 100% when measured. */
function addUp(busy: number, wrk: LoadResult, connections: number): string {
  const wrkBusy =
    wrk.mean === undefined
      ? Number.NaN
      : (wrk.requests * wrk.mean) / 1000 / wrk.seconds / connections;
  const pct = (x: number) => (Number.isNaN(x) ? '?' : `${(x * 100).toFixed(0)}%`);
  return `a connection's latencies add up to ${pct(busy)} of the run (wrk's: ${pct(wrkBusy)})`;
}

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
    for (const g of groups) {
      await putOne(g.members[0]!, '/v2/keys/bench/read');
      await putLoad(g.members[0]!, '/v2/keys/bench/warm', 64, Math.min(2, SECONDS));
    }
    const bin = closedLoopBinary();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [what, method, path, run] of RUNS) {
        for (const clients of [1, 64]) {
          for (const g of alternate(groups, round)) {
            const r = await run(g, clients);
            logRun(`${what} ${clients} client(s), wrk`, g.impl, r);
            if (r.errors > 0) continue;
            best.keep(`${what} p50 ms, ${clients} client(s), wrk`, g.impl, r.p50, 'lower');
            best.keep(`${what} p99 ms, ${clients} client(s), wrk`, g.impl, r.p99, 'lower');
            if (bin === null) continue;
            const c = await closedLoop(bin, g.members[0]!, clients, method, path, SECONDS);
            logRun(`${what} ${clients} client(s), closed loop`, g.impl, c);
            console.log(`    ${addUp(c.busy, r, clients)}, p99.9 ${c.p999.toFixed(2)} ms`);
            if (c.errors > 0) continue;
            const name = `${what} %s ms, ${clients} client(s), closed loop`;
            best.keep(name.replace('%s', 'p50'), g.impl, c.p50, 'lower');
            best.keep(name.replace('%s', 'p99'), g.impl, c.p99, 'lower');
          }
        }
      }
    }
  } finally {
    for (const g of groups) await g.close();
  }
  printTable('latency (one member)', best.all(), notes);
}

runMain(main);
