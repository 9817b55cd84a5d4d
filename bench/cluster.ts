// `node dist/bench/cluster.js`: a 3-member cluster of ours and one of Debian's etcd (v2
// API), the same load on each, one cluster at a time, in the same run; prints each figure
// for both and the ratio ours/reference.
//   writes:   PUT 256 B to the leader, 64 keep-alive connections
//   reads:    GET of a 256-byte key (local reads), 64 connections spread over the members
//   failover: leader killed (SIGKILL) → first write accepted through another member
// Members run with --heartbeat-interval 50 --election-timeout 500 (as the tests).
// BENCH_SECONDS (default 5) sets each run's length, BENCH_ROUNDS (default 2) the rounds
// (the best counts), BENCH_FAILOVERS (default 3) the failovers per implementation.
// The load generator is bench/server-load.ts (raw keep-alive sockets, one request in
// flight per connection): it shares the two cores with the members, so it is kept light.
import { type Flavor, startCluster, type TestCluster } from '../test/helpers/cluster.js';
import { referenceSkip } from '../test/helpers/reference.js';
import { findLeader, getKey, putKey, sleep, until } from '../test/cluster/util.js';
import { formRequest, getRequest, type LoadResult, runLoad } from './server-load.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const FAILOVERS = Number(process.env.BENCH_FAILOVERS ?? 3);
const VALUE = 'x'.repeat(256);
const TUNING = ['--heartbeat-interval', '50', '--election-timeout', '500'];

const hostOf = (url: string) => new URL(url).host;

async function leaderOf(c: TestCluster): Promise<number> {
  return until('a leader', 20_000, () => findLeader(c), 20);
}

async function writes(c: TestCluster): Promise<LoadResult> {
  const url = c.members[await leaderOf(c)]!.clientUrl;
  const reqs: Buffer[] = [];
  for (let i = 0; i < 64; i++) {
    reqs.push(formRequest('PUT', hostOf(url), `/v2/keys/bench/w${i}`, `value=${VALUE}`));
  }
  return runLoad({ url, connections: 64, seconds: SECONDS, build: (conn) => reqs[conn]! });
}

async function reads(c: TestCluster): Promise<LoadResult> {
  const w = await putKey(c.members[0]!.clientUrl, 'bench/read', VALUE);
  if (w.status !== 201 && w.status !== 200) throw new Error(`seeding the read key: ${w.body}`);
  // Every member has applied it before the clock starts.
  for (const m of c.members) {
    await until('the read key everywhere', 5000, async () =>
      (await getKey(m.clientUrl, 'bench/read')).status === 200 ? true : undefined,
    );
  }
  const parts = await Promise.all(
    c.members.map((m, i) => {
      const req = getRequest(hostOf(m.clientUrl), '/v2/keys/bench/read');
      const connections = Math.floor(64 / 3) + (i < 64 % 3 ? 1 : 0);
      return runLoad({ url: m.clientUrl, connections, seconds: SECONDS, build: () => req });
    }),
  );
  const requests = parts.reduce((a, p) => a + p.requests, 0);
  const seconds = Math.max(...parts.map((p) => p.seconds));
  return {
    requests,
    errors: parts.reduce((a, p) => a + p.errors, 0),
    seconds,
    perSecond: requests / seconds,
    p50: Math.max(...parts.map((p) => p.p50)),
    p99: Math.max(...parts.map((p) => p.p99)),
  };
}

/** Leader killed → first write accepted through a surviving member, in ms. */
async function failover(c: TestCluster): Promise<number> {
  const old = await leaderOf(c);
  const survivors = c.members.filter((_, i) => i !== old);
  const killedAt = performance.now();
  c.members[old]!.proc!.proc.kill('SIGKILL');
  // A write attempt through each survivor every 10 ms; the first acknowledged one counts.
  let acceptedAt = 0;
  const attempts: Promise<void>[] = [];
  for (let n = 0; acceptedAt === 0 && n < 1000; n++) {
    const m = survivors[n % survivors.length]!;
    attempts.push(
      putKey(m.clientUrl, `bench/failover${n}`, 'x', 5000).then(
        (r) => {
          if (r.status < 300 && acceptedAt === 0) acceptedAt = performance.now();
        },
        () => {},
      ),
    );
    await sleep(10);
  }
  await Promise.all(attempts);
  await c.stopMember(old);
  // Back to three members, settled, before the next round.
  await c.startMember(old);
  await until(
    'the restarted member to follow',
    20_000,
    async () => {
      const r = await putKey(c.members[old]!.clientUrl, 'bench/settle', 'x', 1000);
      return r.status < 300 ? true : undefined;
    },
    50,
  );
  await sleep(1000);
  return acceptedAt - killedAt;
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

interface Row {
  name: string;
  ours: number;
  ref: number;
}

async function main(): Promise<void> {
  const skip = referenceSkip();
  const flavors: Flavor[] = skip ? ['ours'] : ['ours', 'reference'];
  if (skip) console.log(`reference etcd not available (${skip}); ours only`);
  console.log(
    `bench cluster: 3 members, ${SECONDS}s per run, ${ROUNDS} rounds (best counts), ${FAILOVERS} failovers each`,
  );
  const best = new Map<string, number>();
  const keep = (key: string, v: number, higherIsBetter: boolean) => {
    const prev = best.get(key);
    if (prev === undefined || (higherIsBetter ? v > prev : v < prev)) best.set(key, v);
  };
  const failovers = new Map<Flavor, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? flavors : [...flavors].reverse();
    for (const flavor of order) {
      const c = await startCluster(3, { flavor, tuning: TUNING, env: { ETCD_LOG_SILENT: '1' } });
      try {
        const w = await writes(c);
        console.log(
          `  writes/s to the leader ${flavor}: ${fmt(w.perSecond)} (p50 ${w.p50.toFixed(2)} ms, p99 ${w.p99.toFixed(2)} ms, errors ${w.errors})`,
        );
        keep(`w ${flavor}`, w.perSecond, true);
        const r = await reads(c);
        console.log(
          `  reads/s over 3 members ${flavor}: ${fmt(r.perSecond)} (p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, errors ${r.errors})`,
        );
        keep(`r ${flavor}`, r.perSecond, true);
        if (round === 0) {
          const times: number[] = [];
          for (let k = 0; k < FAILOVERS; k++) {
            try {
              const ms = await failover(c);
              console.log(`  failover ${flavor}: ${ms.toFixed(0)} ms`);
              times.push(ms);
            } catch (e) {
              // A member that cannot restart ends this flavor's failover rounds.
              const out = c.members.map((m) => m.proc?.output().split('\n').slice(-4).join('\n'));
              console.log(
                `  failover ${flavor}: round ${k} failed: ${(e as Error).message}\n${out.join('\n')}`,
              );
              break;
            }
          }
          failovers.set(flavor, times);
        }
      } finally {
        await c.close();
      }
    }
  }
  const median = (xs: number[] | undefined) => {
    if (!xs || xs.length === 0) return Number.NaN;
    const s = [...xs].sort((a, b) => a - b);
    return s[s.length >> 1]!;
  };
  const rows: Row[] = [
    {
      name: 'writes/s to the leader (64 conns)',
      ours: best.get('w ours')!,
      ref: best.get('w reference') ?? Number.NaN,
    },
    {
      name: 'reads/s over 3 members (64 conns)',
      ours: best.get('r ours')!,
      ref: best.get('r reference') ?? Number.NaN,
    },
    {
      name: 'failover ms (median; lower is better)',
      ours: median(failovers.get('ours')),
      ref: median(failovers.get('reference')),
    },
  ];
  console.log('');
  console.log(
    `${'figure'.padEnd(40)}${'ours'.padStart(12)}${'reference'.padStart(12)}${'ratio'.padStart(8)}`,
  );
  for (const r of rows) {
    const ratio = r.ours / r.ref;
    console.log(
      `${r.name.padEnd(40)}${fmt(r.ours).padStart(12)}${fmt(r.ref).padStart(12)}${(Number.isNaN(ratio) ? '-' : ratio.toFixed(2)).padStart(8)}`,
    );
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
