// Store micro-benchmark: 1,000,000 keys (64-byte keys in 1,000 directories, 100-byte values);
// gets and sets per second, and heap bytes per key beyond the key and value bytes.
// Rates are given per wall-clock second and per CPU second (the latter is steadier on a
// shared machine). Run: npm run bench:store (node --expose-gc).
import { getHeapStatistics } from 'node:v8';
import { NO_TTL, Store } from '../src/store/store.js';

const N = Number(process.env.STORE_BENCH_KEYS ?? 1_000_000);
const DIRS = 1000;
const KEY_LEN = 64;
const VALUE_LEN = 100;

const gc = (globalThis as { gc?: () => void }).gc;
const settle = () => new Promise((r) => setTimeout(r, 100));
/** Heap in use after full collections, once concurrent sweeping has finished. */
async function heap(): Promise<number> {
  if (gc) {
    gc();
    await settle();
    gc();
    await settle();
  }
  return getHeapStatistics().used_heap_size;
}

/** A flat string, as values decoded from a request are (not a rope of pieces). */
function flat(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

function keyOf(i: number): string {
  const dir = `/d${String(i % DIRS).padStart(4, '0')}/`; // 7 bytes
  return dir + `k${i}-`.padEnd(KEY_LEN - dir.length, 'x');
}

function valueFor(i: number, gen: number): string {
  return flat(`v${gen}-${i}-`.padEnd(VALUE_LEN, 'y'));
}

interface Timing {
  wall: number;
  cpu: number;
}

/** Runs f and returns its wall and CPU seconds. */
function timed(f: () => void): Timing {
  const w = performance.now();
  const c = process.cpuUsage();
  f();
  const d = process.cpuUsage(c);
  return { wall: (performance.now() - w) / 1000, cpu: (d.user + d.system) / 1e6 };
}

const rate = (ops: number, t: Timing) =>
  `${(ops / t.wall).toFixed(0).padStart(9)} /s wall, ${(ops / t.cpu).toFixed(0).padStart(9)} /CPU-s`;

async function main(): Promise<void> {
  if (!gc) console.log('(run with --expose-gc for heap figures)');
  const now = 1_700_000_000_000;
  const before = await heap();
  const s = new Store();
  const build = timed(() => {
    for (let i = 0; i < N; i++) s.set(keyOf(i), false, valueFor(i, 0), NO_TTL, now);
  });
  const after = await heap();
  const perKey = (after - before) / N;
  const payload = KEY_LEN + VALUE_LEN;

  const sample = 200_000;
  const keys: string[] = [];
  for (let i = 0; i < sample; i++) keys.push(flat(keyOf((i * 7919) % N)));
  const values: string[] = [];
  for (let i = 0; i < 1024; i++) values.push(valueFor(i, 1));

  let sink = 0;
  const getRounds = 10;
  const gets = timed(() => {
    for (let r = 0; r < getRounds; r++) {
      for (let i = 0; i < sample; i++)
        sink += s.get(keys[i]!, false, false, now).node.modifiedIndex;
    }
  });

  const setRounds = 3;
  const sets = timed(() => {
    for (let r = 0; r < setRounds; r++) {
      for (let i = 0; i < sample; i++)
        sink += s.set(keys[i]!, false, values[i & 1023]!, NO_TTL, now).etcdIndex;
    }
  });

  // The floor on this machine right now: a bare Map.get over as many string keys.
  const m = new Map<string, number>();
  for (let i = 0; i < N; i++) m.set(flat(keyOf(i)), i);
  const bare = timed(() => {
    for (let r = 0; r < getRounds; r++) for (let i = 0; i < sample; i++) sink += m.get(keys[i]!)!;
  });
  m.clear();

  let snap: Uint8Array = new Uint8Array(0);
  const save = timed(() => {
    snap = s.save();
  });
  let restored: Store | null = null;
  const restore = timed(() => {
    restored = Store.restore(snap);
  });

  console.log(
    `store bench: ${N} keys (${KEY_LEN}-byte keys in ${DIRS} dirs, ${VALUE_LEN}-byte values)`,
  );
  console.log(`  build (new keys):   ${rate(N, build)}`);
  console.log(`  gets:               ${rate(getRounds * sample, gets)}`);
  console.log(`  sets (overwrites):  ${rate(setRounds * sample, sets)}`);
  console.log(`  bare Map.get:       ${rate(getRounds * sample, bare)}  (the floor for a get)`);
  console.log(
    `  heap: ${perKey.toFixed(1)} bytes/key in all, ${(perKey - payload).toFixed(1)} beyond the ${payload} key and value bytes`,
  );
  console.log(
    `  snapshot: ${(snap.length / 1e6).toFixed(1)} MB, save ${save.wall.toFixed(2)} s (${save.cpu.toFixed(2)} CPU-s), restore ${restore.wall.toFixed(2)} s (${restore.cpu.toFixed(2)} CPU-s)`,
  );
  if ((restored as Store | null)?.index !== s.index || sink === -1)
    throw new Error('restore mismatch');
}

await main();
