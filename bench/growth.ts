// `npm run bench:growth`: how each implementation grows with its data. For each size in
// BENCH_GROWTH_KEYS (100000,1000000), one member of each implementation in turn, started
// with --snapshot-count BENCH_SNAPSHOT_COUNT (10000: 2.0.13's default; 3.4's is 100,000):
//   load:     PUT that many distinct keys (256-byte values, 64 connections), seconds
//   RSS:      resident memory once loaded, and the most resident while loading (VmHWM), MiB
//   snapshot: the next snapshot's save time, ms (writes go on until one starts; see
//             bench/snapshot-timing.ts for how each side is timed)
//   restart:  SIGTERM, then from spawning the process to its first quorum read answered
//             (snapshot load + WAL replay), ms; the median of BENCH_RESTARTS (3) restarts,
//             since a restart's election wait is random (2.0.13: 500-1000 ms)
// Printed per size, so the slope from 100k to 1M shows.
import { alternate, describeImpls, type Impl, implementations } from './impls.js';
import { launch } from './launch.js';
import { putKeys, putUntil } from './load.js';
import { runMain } from './procs.js';
import { timeNextSnapshot, SnapshotLog } from './snapshot-timing.js';
import { MiB, peakRssBytes, rssBytes } from './sys.js';
import { fmt, median, printTable, type Row } from './table.js';

const SIZES = (process.env.BENCH_GROWTH_KEYS ?? '100000,1000000').split(',').map(Number);
const SNAPSHOT_COUNT = process.env.BENCH_SNAPSHOT_COUNT ?? '10000';
const RESTARTS = Number(process.env.BENCH_RESTARTS ?? 3);

interface Figures {
  loadS: number;
  rss: number;
  peakRss: number;
  snapMs: number;
  restartMs: number;
}

async function measure(impl: Impl, keys: number): Promise<Figures> {
  const g = await launch(impl, 1, {
    extra: ['--snapshot-count', SNAPSHOT_COUNT],
    env: { ETCD_LOG_SILENT: '' },
  });
  try {
    const m = g.members[0]!;
    const log = new SnapshotLog(m.proc!);
    const load = await putKeys(m, '/v2/keys/g/k', keys);
    // A member that refuses writes while it grows (2.0.13 at 1M keys: timeouts while it
    // saves snapshots) is reported, not fatal to the run: its errors are printed.
    if (load.errors > 0) console.log(`  ${impl.label}: ${load.errors} errors loading ${keys} keys`);
    await new Promise((r) => setTimeout(r, 1000));
    const [rss, peakRss] = [rssBytes(m.pid()) / MiB, peakRssBytes(m.pid()) / MiB];
    // Overwriting the first 64 keys keeps the key count.
    const snap = await timeNextSnapshot(m, log, impl.key === 'ours', (stop) =>
      putUntil(m, '/v2/keys/g/k', stop),
    );
    const restarts: number[] = [];
    for (let i = 0; i < RESTARTS; i++) {
      await m.stop('SIGTERM');
      const t0 = performance.now();
      m.spawn();
      await m.serving(600_000);
      restarts.push(performance.now() - t0);
      const last = await fetch(`${m.clientUrl}/v2/keys/g/k${keys - 1}`);
      if (last.status !== 200)
        throw new Error(`${impl.label}: key ${keys - 1} lost over a restart`);
    }
    const restartMs = median(restarts);
    const f = { loadS: load.seconds, rss, peakRss, snapMs: snap.ms, restartMs };
    console.log(
      `  ${impl.label} ${keys} keys: load ${fmt(f.loadS)} s, RSS ${fmt(rss)} MiB (peak ${fmt(peakRss)}), snapshot ${fmt(snap.ms)} ms (${snap.how}), restarts ${restarts.map(fmt).join(', ')} ms`,
    );
    return f;
  } finally {
    await g.close();
  }
}

async function main(): Promise<void> {
  const { impls, notes } = implementations();
  console.log(
    `bench:growth: sizes ${SIZES.join(', ')}; one member each, --snapshot-count ${SNAPSHOT_COUNT}; load by the Node generator`,
  );
  console.log(describeImpls(impls));
  const results = new Map<string, Figures>();
  for (let i = 0; i < SIZES.length; i++) {
    for (const impl of alternate(impls, i)) {
      results.set(`${impl.key} ${SIZES[i]}`, await measure(impl, SIZES[i]!));
    }
  }
  const rows: Row[] = [];
  const figures: [keyof Figures, string][] = [
    ['loadS', 'load s'],
    ['rss', 'RSS MiB'],
    ['peakRss', 'peak RSS MiB (VmHWM)'],
    ['snapMs', 'snapshot save ms'],
    ['restartMs', `restart → serving ms (median of ${RESTARTS})`],
  ];
  for (const [k, name] of figures) {
    for (const n of SIZES) {
      const row: Row = { figure: `${name}, ${n.toLocaleString('en-US')} keys`, values: {} };
      for (const impl of impls) row.values[impl.key] = results.get(`${impl.key} ${n}`)?.[k];
      rows.push(row);
    }
  }
  printTable('growth (one member, 256-byte values)', rows, [
    ...notes,
    'restart → serving includes one election: 2.0.13 first waits a random election timeout (--election-timeout 500: 500-1000 ms); ours, alone, campaigns at once; 3.4 fast-forwards its ticks (a random 0-500 ms left)',
    'snapshot save: ours from its own /metrics histogram; 2.0.13 and 3.4 from their start→saved log lines',
  ]);
}

runMain(main);
