// `npm run bench:profile`: CPU profiles of our member (node --cpu-prof) under the read load,
// under the write load (64 connections each, BENCH_SECONDS long), and over a restart with
// BENCH_KEYS (100,000) keys in its data dir (spawn → serving → SIGTERM); prints for each
// where the time went (see bench/cpuprofile.ts). The .cpuprofile files are kept in
// BENCH_PROFILE_DIR (default: a new temp dir, printed) for flame graphs (Chrome DevTools,
// speedscope).
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { printSummary, summarize } from './cpuprofile.js';
import { type Impl, implementations, OUR_ETCD } from './impls.js';
import { type Group, launch } from './launch.js';
import { describeLoad, getLoad, putKeys, putLoad, putOne } from './load.js';
import { runMain } from './procs.js';
import { cpuSeconds } from './sys.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const KEYS = Number(process.env.BENCH_KEYS ?? 100_000);

function ours(): Impl {
  const impl = implementations().impls.find((i) => i.key === 'ours');
  if (!impl) throw new Error('ours is not among BENCH_IMPLS');
  return impl;
}

function profiled(dir: string): Impl {
  return { ...ours(), pre: ['--cpu-prof', '--cpu-prof-dir', dir, OUR_ETCD] };
}

/** The one profile written since `before` was listed. */
function newProfile(dir: string, before: Set<string>): string {
  const f = readdirSync(dir).filter((n) => n.endsWith('.cpuprofile') && !before.has(n));
  if (f.length !== 1) throw new Error(`expected one new profile in ${dir}, found ${f.length}`);
  return join(dir, f[0]!);
}

/** `setup` runs unprofiled; the member is then (re)started profiled for `run`. */
async function profileRun(
  out: string,
  title: string,
  setup: (g: Group) => Promise<unknown>,
  run: (g: Group) => Promise<unknown>,
): Promise<void> {
  const g = await launch(ours(), 1);
  try {
    const m = g.members[0]!;
    await setup(g);
    await m.stop('SIGTERM');
    const before = new Set(readdirSync(out));
    m.spawn([], 'new', profiled(out));
    await m.serving(600_000);
    await run(g);
    const cpu = cpuSeconds(m.pid());
    await m.stop('SIGTERM');
    printSummary(title, summarize(newProfile(out, before)));
    console.log(
      `process CPU (from /proc, with the profiler's own cost): user ${cpu.user.toFixed(2)} s, system ${cpu.system.toFixed(2)} s`,
    );
  } finally {
    await g.close();
  }
}

async function main(): Promise<void> {
  const out = process.env.BENCH_PROFILE_DIR ?? mkdtempSync(join(tmpdir(), 'etcd-node-profiles-'));
  mkdirSync(out, { recursive: true });
  console.log(
    `bench:profile: ${SECONDS}s per load, ${KEYS} keys for the restart; profiles kept in ${out}`,
  );
  console.log(describeLoad());
  await profileRun(
    out,
    'reads (GET 256 B, 64 conns)',
    (g) => putOne(g.members[0]!, '/v2/keys/bench/read'),
    (g) => getLoad(g.members[0]!, '/v2/keys/bench/read', 64, SECONDS),
  );
  await profileRun(
    out,
    'writes (PUT 256 B, 64 conns)',
    async () => undefined,
    (g) => putLoad(g.members[0]!, '/v2/keys/bench/w', 64, SECONDS),
  );
  await profileRun(
    out,
    `restart with ${KEYS} keys (spawn → serving → SIGTERM)`,
    (g) => putKeys(g.members[0]!, '/v2/keys/r/k', KEYS),
    async () => undefined,
  );
}

runMain(main);
