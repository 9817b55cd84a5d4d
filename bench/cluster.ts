// `npm run bench:cluster`: a 3-member cluster of each implementation (ours, Go etcd 2.0.13,
// Debian's etcd 3.4), the same loads, one cluster at a time, alternating; prints each
// figure for all three and the ratios.
//   writes:   PUT 256 B to the leader, 64 keep-alive connections
//   reads:    GET of a 256-byte key (local reads), 64 connections spread over the members
//   failover: leader SIGKILLed → first write acknowledged through a surviving member
// Members run with --heartbeat-interval 50 --election-timeout 500 (as the tests).
// BENCH_SECONDS (5) is each run's length, BENCH_ROUNDS (2) the rounds (best counts),
// BENCH_FAILOVERS (7) the failovers per implementation (the median counts). Then, with Go
// etcd 2.0.13 there, the same for mixed clusters of ours and Go (bench/cluster-mixed.ts).
import { alternate, describeImpls, implementations } from './impls.js';
import { failover, reads, SECONDS, writes } from './cluster-loads.js';
import { mixedClusters } from './cluster-mixed.js';
import { launch, leaderOf } from './launch.js';
import { describeLoad, logRun, putLoad } from './load.js';
import { runMain } from './procs.js';
import { perRequestCpu } from './sys.js';
import { Best, fmt, median, printTable } from './table.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const FAILOVERS = Number(process.env.BENCH_FAILOVERS ?? 7);

const CPU_WRITE = 'CPU µs per write (all 3 members)';
const CPU_READ = 'CPU µs per read (all 3 members)';

async function main(): Promise<void> {
  const { impls, notes } = implementations();
  console.log(
    `bench:cluster: 3 members; ${SECONDS}s per run, ${ROUNDS} rounds (best counts), ${FAILOVERS} failovers each (median)`,
  );
  console.log(describeLoad());
  console.log(describeImpls(impls));
  const best = new Best();
  const failovers = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const impl of alternate(impls, round)) {
      const g = await launch(impl, 3);
      try {
        await putLoad(g.members[await leaderOf(g)]!, '/v2/keys/bench/warm', 64, 1);
        const pids = g.members.map((m) => m.pid());
        const w = await perRequestCpu(pids, () => writes(g));
        logRun(`writes to the leader [${fmt(w.cpuUs)} µs CPU/request]`, impl, w);
        if (w.errors === 0) {
          best.keep('writes/s to the leader (64 conns)', impl, w.perSecond, 'higher');
          best.keep(CPU_WRITE, impl, w.cpuUs, 'lower');
        }
        const r = await perRequestCpu(pids, () => reads(g));
        logRun(`reads over 3 members [${fmt(r.cpuUs)} µs CPU/request]`, impl, r);
        if (r.errors === 0) {
          best.keep('reads/s over 3 members (64 conns)', impl, r.perSecond, 'higher');
          best.keep(CPU_READ, impl, r.cpuUs, 'lower');
        }
        if (round > 0) continue;
        const times: number[] = [];
        for (let k = 0; k < FAILOVERS; k++) {
          try {
            const { ms } = await failover(g);
            console.log(`  failover ${impl.label}: ${ms.toFixed(0)} ms`);
            times.push(ms);
          } catch (e) {
            // A member that cannot come back ends this implementation's failovers.
            console.log(`  failover ${impl.label}: round ${k} failed: ${(e as Error).message}`);
            break;
          }
        }
        failovers.set(impl.key, times);
      } finally {
        await g.close();
      }
    }
  }
  const fo = best.row('failover ms (leader killed → write accepted, median)');
  for (const impl of impls) fo.values[impl.key] = median(failovers.get(impl.key) ?? []);
  const rates = best.all().filter((r) => r !== best.row(CPU_WRITE) && r !== best.row(CPU_READ));
  printTable('three members', [...rates, fo, best.row(CPU_WRITE), best.row(CPU_READ)], notes);
  const ours = impls.find((i) => i.key === 'ours');
  const go = impls.find((i) => i.key === 'go');
  if (ours && go && process.env.BENCH_MIXED !== '0') {
    const pure = (key: 'ours' | 'go') => ({
      writes: best.row('writes/s to the leader (64 conns)').values[key] ?? Number.NaN,
      reads: best.row('reads/s over 3 members (64 conns)').values[key] ?? Number.NaN,
      failoverMs: fo.values[key] ?? Number.NaN,
    });
    await mixedClusters(ours, go, { ours: pure('ours'), go: pure('go') }, ROUNDS, FAILOVERS);
  }
}

runMain(main);
