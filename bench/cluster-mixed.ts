// bench:cluster's mixed clusters: 2 of ours + 1 Go etcd 2.0.13 and 1 of ours + 2 Go, the
// same loads as the single-implementation clusters, printed beside the all-ours and all-Go
// figures of the same run. BENCH_MIXED=0 leaves them out.
import { failover, reads, writes } from './cluster-loads.js';
import type { Impl } from './impls.js';
import { launch, leaderOf } from './launch.js';
import { logRun, putLoad } from './load.js';
import { fmt, median } from './table.js';

export interface MixedFigures {
  writes: number;
  reads: number;
  failoverMs: number;
}

const MIXES = [
  { label: '2 ours + 1 Go', ours: 2 },
  { label: '1 ours + 2 Go', ours: 1 },
] as const;

async function measure(
  ours: Impl,
  go: Impl,
  oursCount: number,
  label: string,
  rounds: number,
  failovers: number,
): Promise<MixedFigures> {
  const impls = [0, 1, 2].map((i) => (i < oursCount ? ours : go));
  const g = await launch(ours, 3, { impls });
  const named: Impl = { ...ours, label };
  try {
    await putLoad(g.members[await leaderOf(g)]!, '/v2/keys/bench/warm', 64, 1);
    let w = 0;
    let r = 0;
    for (let k = 0; k < rounds; k++) {
      const wr = await writes(g);
      logRun('writes to the leader', named, wr);
      if (wr.errors === 0) w = Math.max(w, wr.perSecond);
      const rr = await reads(g);
      logRun('reads over 3 members', named, rr);
      if (rr.errors === 0) r = Math.max(r, rr.perSecond);
    }
    const times: number[] = [];
    for (let k = 0; k < failovers; k++) {
      const f = await failover(g);
      console.log(`  failover ${label}: ${f.ms.toFixed(0)} ms (the killed leader ran ${f.leader})`);
      times.push(f.ms);
    }
    return { writes: w, reads: r, failoverMs: median(times) };
  } finally {
    await g.close();
  }
}

/** Measures both mixes and prints them between all-ours and all-Go (`pure`, same run). */
export async function mixedClusters(
  ours: Impl,
  go: Impl,
  pure: { ours: MixedFigures; go: MixedFigures },
  rounds: number,
  failovers: number,
): Promise<void> {
  const cols: [string, MixedFigures][] = [['all ours', pure.ours]];
  for (const m of MIXES) {
    cols.push([m.label, await measure(ours, go, m.ours, m.label, rounds, failovers)]);
  }
  cols.push(['all 2.0.13', pure.go]);
  const rows: [string, (f: MixedFigures) => number][] = [
    ['writes/s to the leader (64 conns)', (f) => f.writes],
    ['reads/s over 3 members (64 conns)', (f) => f.reads],
    ['failover ms (median)', (f) => f.failoverMs],
  ];
  const w = 36;
  console.log('');
  console.log('mixed clusters (ours and Go etcd 2.0.13 members in one cluster)');
  console.log(`${'figure'.padEnd(w)}${cols.map(([h]) => h.padStart(15)).join('')}`);
  for (const [figure, get] of rows) {
    console.log(`${figure.padEnd(w)}${cols.map(([, f]) => fmt(get(f)).padStart(15)).join('')}`);
  }
}
