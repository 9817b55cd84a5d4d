// `npm run bench:latency`: p50 and p99 latency of one write (PUT 256 B) and one read (GET
// of a 256-byte key) with 1 and 64 clients (keep-alive connections, each with one request
// in flight), one member of each implementation, same run, alternating.
// BENCH_SECONDS (5) is each run's length, BENCH_ROUNDS (2) the rounds (the lowest counts).
import { alternate, describeImpls, implementations } from './impls.js';
import { type Group, launch } from './launch.js';
import { describeLoad, getLoad, logRun, putLoad, putOne } from './load.js';
import { runMain } from './procs.js';
import type { LoadResult } from './server-load.js';
import { Best, printTable } from './table.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

const RUNS: [string, (g: Group, clients: number) => Promise<LoadResult>][] = [
  ['write', (g, c) => putLoad(g.members[0]!, '/v2/keys/bench/lat', c, SECONDS)],
  ['read', (g, c) => getLoad(g.members[0]!, '/v2/keys/bench/read', c, SECONDS)],
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
    for (const g of groups) {
      await putOne(g.members[0]!, '/v2/keys/bench/read');
      await putLoad(g.members[0]!, '/v2/keys/bench/warm', 64, Math.min(2, SECONDS));
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const [what, run] of RUNS) {
        for (const clients of [1, 64]) {
          for (const g of alternate(groups, round)) {
            const r = await run(g, clients);
            logRun(`${what} ${clients} client(s)`, g.impl, r);
            if (r.errors > 0) continue;
            best.keep(`${what} p50 ms, ${clients} client(s)`, g.impl, r.p50, 'lower');
            best.keep(`${what} p99 ms, ${clients} client(s)`, g.impl, r.p99, 'lower');
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
