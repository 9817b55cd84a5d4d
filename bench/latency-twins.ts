// `npm run bench:twins`: bench:latency's loads against two members of the same build (ours
// and ours, 2.0.13 and 2.0.13), same run, alternating. Each round's ratio first / second is
// what this machine alone does to a figure: a ratio ours / 2.0.13 inside that spread says
// nothing about either server. BENCH_ROUNDS (3), BENCH_SECONDS (5), BENCH_IMPLS (ours,go).
import { closedLoop, closedLoopBinary } from './closed-loop.js';
import { alternate, describeImpls, type Impl, implementations } from './impls.js';
import { LATENCY_LOADS, LATENCY_SECONDS, warmUp, wrkLoad } from './latency-loads.js';
import { type Group, launch } from './launch.js';
import { describeLoad } from './load.js';
import { runMain } from './procs.js';
import type { LoadResult } from './server-load.js';
import { spread, TwinFigures } from './twin-figures.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Twin {
  impl: Impl;
  /** 0 or 1: which of the two members. */
  side: number;
  group: Group;
}

function print(impls: Impl[], figs: TwinFigures): void {
  const w = Math.max(...figs.figures.map((f) => f.length)) + 2;
  const colW = Math.max(24, ROUNDS * 6 + 10);
  console.log('');
  console.log('twins (one build against itself): first / second member, each round; spread');
  console.log(`${'figure'.padEnd(w)}${impls.map((i) => i.label.padStart(colW)).join('')}`);
  const widest = new Map<string, number>();
  for (const f of figs.figures) {
    const cells = impls.map((i) => {
      const rs = figs.ratios(i, f);
      const s = spread(rs);
      if (s > (widest.get(i.label) ?? 0)) widest.set(i.label, s);
      const list = rs.map((r) => (Number.isFinite(r) ? r.toFixed(2) : '-')).join(' ');
      return `${list}  ×${Number.isNaN(s) ? '-' : s.toFixed(2)}`.padStart(colW);
    });
    console.log(`${f.padEnd(w)}${cells.join('')}`);
  }
  for (const i of impls) {
    console.log(
      `note: ${i.label} against itself: the widest spread is ×${(widest.get(i.label) ?? Number.NaN).toFixed(2)}; a ratio between two servers within it cannot be told from this machine's noise`,
    );
  }
}

async function main(): Promise<void> {
  const { impls, notes } = implementations('ours,go');
  console.log(
    `bench:twins: two members of each build; ${LATENCY_SECONDS}s per run, ${ROUNDS} rounds`,
  );
  console.log(describeLoad());
  console.log(describeImpls(impls));
  for (const n of notes) console.log(`note: ${n}`);
  const twins: Twin[] = [];
  const figs = new TwinFigures();
  try {
    for (const impl of impls) {
      for (const side of [0, 1]) twins.push({ impl, side, group: await launch(impl, 1) });
    }
    for (const t of twins) await warmUp(t.group.members[0]!);
    const bin = closedLoopBinary();
    for (let round = 0; round < ROUNDS; round++) {
      for (const { what, method, path, clients } of LATENCY_LOADS) {
        for (const t of alternate(twins, round)) {
          const keep = (tool: string, r: LoadResult) => {
            console.log(
              `  ${what} ${clients} client(s), ${tool}, ${t.impl.label} #${t.side + 1}: p50 ${r.p50.toFixed(3)} p99 ${r.p99.toFixed(3)} ms, errors ${r.errors}`,
            );
            if (r.errors > 0) return;
            const figure = (stat: string) => `${what} ${stat}, ${clients} client(s), ${tool}`;
            figs.keep(t.impl, figure('p50'), t.side, round, r.p50);
            figs.keep(t.impl, figure('p99'), t.side, round, r.p99);
          };
          keep('wrk', await wrkLoad(t.group.members[0]!, method, path, clients));
          if (bin === null) continue;
          const g = t.group.members[0]!;
          keep('closed loop', await closedLoop(bin, g, clients, method, path, LATENCY_SECONDS));
        }
      }
    }
  } finally {
    for (const t of twins) await t.group.close();
  }
  print(impls, figs);
}

runMain(main);
