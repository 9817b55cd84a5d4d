// `npm run bench`: one member of each implementation (ours, Go etcd 2.0.13, Debian's etcd
// 3.4 with --enable-v2), the same loads in the same run, alternating; prints each figure
// for all three and the ratios ours/2.0.13 and ours/3.4.
//   reads:      GET one 256-byte key, 64 keep-alive connections
//   writes:     PUT 256 bytes, 64 connections
//   sequential: PUT 256 bytes, 1 connection (next to the disk's raw fdatasync rate)
//   memory:     RSS after loading BENCH_KEYS (100,000) keys with 256-byte values, and the
//               peak RSS (VmHWM) of the member's life up to then
//   CPU:        the server's CPU time per request in each run (user + system, /proc): what
//               a request costs, less sensitive to a busy machine than the rates
// BENCH_SECONDS (5) is each run's length, BENCH_ROUNDS (2) the rounds (best counts).
import { tmpdir } from 'node:os';
import { alternate, describeImpls, implementations } from './impls.js';
import { type Group, launch } from './launch.js';
import { describeLoad, getLoad, logRun, putKeys, putLoad, putOne } from './load.js';
import { runMain } from './procs.js';
import type { LoadResult } from './server-load.js';
import { fdatasyncRate, MiB, peakRssBytes, perRequestCpu, rssBytes } from './sys.js';
import { Best, fmt, printTable } from './table.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const KEYS = Number(process.env.BENCH_KEYS ?? 100_000);
const MEM_ROW = `RSS MiB at ${KEYS.toLocaleString('en-US')} keys`;
const PEAK_ROW = `peak RSS MiB, ${KEYS.toLocaleString('en-US')} keys loaded (VmHWM)`;

type Run = (g: Group) => Promise<LoadResult>;

// [figure, its CPU cost's figure, run]
const RUNS: [string, string, Run][] = [
  [
    'reads/s (GET, 64 conns)',
    'CPU µs per read',
    (g) => getLoad(g.members[0]!, '/v2/keys/bench/read', 64, SECONDS),
  ],
  [
    'writes/s (PUT, 64 conns)',
    'CPU µs per write (64 conns)',
    (g) => putLoad(g.members[0]!, '/v2/keys/bench/w', 64, SECONDS),
  ],
  [
    'sequential writes/s (1 conn)',
    'CPU µs per write (1 conn)',
    (g) => putLoad(g.members[0]!, '/v2/keys/bench/s', 1, SECONDS),
  ],
];

async function main(): Promise<void> {
  const { impls, notes } = implementations();
  console.log(`bench: one member each; ${SECONDS}s per run, ${ROUNDS} rounds (best counts)`);
  console.log(describeLoad());
  console.log(describeImpls(impls));
  const groups: Group[] = [];
  const best = new Best();
  let disk = Number.NaN;
  try {
    for (const impl of impls) groups.push(await launch(impl, 1));
    for (const g of groups) {
      await putOne(g.members[0]!, '/v2/keys/bench/read');
      // Warm-up (JIT, page cache), not counted.
      await putLoad(g.members[0]!, '/v2/keys/bench/warm', 64, Math.min(2, SECONDS));
      await getLoad(g.members[0]!, '/v2/keys/bench/read', 64, Math.min(2, SECONDS));
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, cpuName, run] of RUNS) {
        for (const g of alternate(groups, round)) {
          const r = await perRequestCpu([g.members[0]!.pid()], () => run(g));
          const cpuUs = r.cpuUs;
          logRun(`${name} [${fmt(cpuUs)} µs CPU/request]`, g.impl, r);
          if (r.errors > 0) continue;
          best.keep(name, g.impl, r.perSecond, 'higher');
          best.keep(cpuName, g.impl, cpuUs, 'lower');
        }
      }
      disk = Math.max(disk || 0, fdatasyncRate(tmpdir(), Math.min(2, SECONDS)));
    }
    for (const g of groups) {
      const m = g.members[0]!;
      const r = await putKeys(m, '/v2/keys/mem/k', KEYS);
      if (r.errors > 0) console.log(`  (${g.impl.label}: ${r.errors} errors loading keys)`);
      await new Promise((res) => setTimeout(res, 1000));
      const [rss, hwm] = [rssBytes(m.pid()) / MiB, peakRssBytes(m.pid()) / MiB];
      console.log(
        `  ${MEM_ROW} ${g.impl.label}: ${fmt(rss)}, peak ${fmt(hwm)} (loaded in ${r.seconds.toFixed(1)} s)`,
      );
      best.keep(MEM_ROW, g.impl, rss, 'lower');
      best.keep(PEAK_ROW, g.impl, hwm, 'lower');
    }
  } finally {
    for (const g of groups) await g.close();
  }
  const [rates, cpus] = [RUNS.map((r) => best.row(r[0])), RUNS.map((r) => best.row(r[1]))];
  printTable(
    'one member',
    [
      ...rates,
      `disk: ${fmt(disk)} fdatasync/s (4 KiB append + fdatasync, ${tmpdir()}): the limit of sequential writes`,
      best.row(MEM_ROW),
      best.row(PEAK_ROW),
      ...cpus,
      "CPU per request: the server process's user + system time over the run / requests served",
    ],
    notes,
  );
}

runMain(main);
