// `npm run bench:cluster`: a 3-member cluster of each implementation (ours, Go etcd 2.0.13,
// Debian's etcd 3.4), the same loads, one cluster at a time, alternating; prints each
// figure for all three and the ratios.
//   writes:   PUT 256 B to the leader, 64 keep-alive connections
//   reads:    GET of a 256-byte key (local reads), 64 connections spread over the members
//   failover: leader SIGKILLed → first write acknowledged through a surviving member
// Members run with --heartbeat-interval 50 --election-timeout 500 (as the tests).
// BENCH_SECONDS (5) is each run's length, BENCH_ROUNDS (2) the rounds (best counts),
// BENCH_FAILOVERS (3) the failovers per implementation (the median counts).
import { alternate, describeImpls, implementations } from './impls.js';
import { type Group, launch, leaderOf } from './launch.js';
import { describeLoad, getLoad, logRun, putLoad, putOne } from './load.js';
import { runMain } from './procs.js';
import type { LoadResult } from './server-load.js';
import { perRequestCpu } from './sys.js';
import { Best, fmt, median, printTable } from './table.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const FAILOVERS = Number(process.env.BENCH_FAILOVERS ?? 3);

const CPU_WRITE = 'CPU µs per write (all 3 members)';
const CPU_READ = 'CPU µs per read (all 3 members)';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function writes(g: Group): Promise<LoadResult> {
  return putLoad(g.members[await leaderOf(g)]!, '/v2/keys/bench/w', 64, SECONDS);
}

async function reads(g: Group): Promise<LoadResult> {
  await putOne(g.members[0]!, '/v2/keys/bench/read');
  // Every member has applied it before the clock starts.
  for (const m of g.members) {
    while ((await fetch(`${m.clientUrl}/v2/keys/bench/read`)).status !== 200) await sleep(10);
  }
  const n = g.members.length;
  const parts = await Promise.all(
    g.members.map((m, i) =>
      // One wrk thread per member: as many generator threads as for one member's load.
      getLoad(m, '/v2/keys/bench/read', Math.floor(64 / n) + (i < 64 % n ? 1 : 0), SECONDS, 1),
    ),
  );
  const requests = parts.reduce((a, p) => a + p.requests, 0);
  const seconds = Math.max(...parts.map((p) => p.seconds));
  return {
    requests,
    errors: parts.reduce((a, p) => a + p.errors, 0),
    seconds,
    perSecond: parts.reduce((a, p) => a + p.perSecond, 0),
    p50: Math.max(...parts.map((p) => p.p50)),
    p99: Math.max(...parts.map((p) => p.p99)),
  };
}

async function accepted(url: string, key: string): Promise<boolean> {
  try {
    const r = await fetch(`${url}/v2/keys/${key}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'value=x',
      signal: AbortSignal.timeout(5000),
    });
    await r.arrayBuffer();
    return r.status < 300;
  } catch {
    return false;
  }
}

/** Leader SIGKILLed → first write acknowledged through a survivor, in ms. */
async function failover(g: Group): Promise<number> {
  const old = await leaderOf(g);
  const survivors = g.members.filter((_, i) => i !== old);
  const killedAt = performance.now();
  g.members[old]!.proc!.proc.kill('SIGKILL');
  // A write attempt through a survivor every 10 ms; the first acknowledged one counts.
  let acceptedAt = 0;
  const attempts: Promise<void>[] = [];
  for (let n = 0; acceptedAt === 0 && n < 3000; n++) {
    const m = survivors[n % survivors.length]!;
    attempts.push(
      accepted(m.clientUrl, `bench/failover${n}`).then((ok) => {
        if (ok && acceptedAt === 0) acceptedAt = performance.now();
      }),
    );
    await sleep(10);
  }
  await Promise.all(attempts);
  if (acceptedAt === 0) throw new Error('no write accepted within 30 s of the leader kill');
  // Back to three members, settled, before the next round.
  const back = g.members[old]!;
  await back.stop();
  back.spawn();
  await back.serving();
  while (!(await accepted(back.clientUrl, 'bench/settle'))) await sleep(50);
  await sleep(1000);
  return acceptedAt - killedAt;
}

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
            const ms = await failover(g);
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
}

runMain(main);
