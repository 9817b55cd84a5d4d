// Store micro-benchmark: 1,000,000 keys (64-byte keys in 1,000 directories, 100-byte values);
// gets and sets per second, and heap bytes per key beyond the key and value bytes.
// Run: npm run bench:store (node --expose-gc).
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
  const name = `k${i}-`;
  return dir + name.padEnd(KEY_LEN - dir.length, 'x');
}

function valueOf(i: number, gen: number): string {
  return flat(`v${gen}-${i}-`.padEnd(VALUE_LEN, 'y'));
}

async function main(): Promise<void> {
  if (!gc) console.log('(run with --expose-gc for heap figures)');
  const now = 1_700_000_000_000;
  const before = await heap();
  const s = new Store();
  let t = performance.now();
  for (let i = 0; i < N; i++) s.set(keyOf(i), false, valueOf(i, 0), NO_TTL, now);
  const buildMs = performance.now() - t;
  const after = await heap();
  const perKey = (after - before) / N;
  // Key and value bytes themselves (one-byte strings).
  const payload = KEY_LEN + VALUE_LEN;

  const sample = 200_000;
  const keys: string[] = [];
  for (let i = 0; i < sample; i++) keys.push(keyOf(Math.floor((i * 7919) % N)));
  const values: string[] = [];
  for (let i = 0; i < 1024; i++) values.push(valueOf(i, 1));

  // Gets.
  let sink = 0;
  const getRounds = 10;
  t = performance.now();
  for (let r = 0; r < getRounds; r++) {
    for (let i = 0; i < sample; i++) sink += s.get(keys[i]!, false, false, now).node.modifiedIndex;
  }
  const getsPerSec = (getRounds * sample) / ((performance.now() - t) / 1000);

  // Sets (overwrites of existing keys).
  const setRounds = 3;
  t = performance.now();
  for (let r = 0; r < setRounds; r++) {
    for (let i = 0; i < sample; i++)
      sink += s.set(keys[i]!, false, values[i & 1023]!, NO_TTL, now).etcdIndex;
  }
  const setsPerSec = (setRounds * sample) / ((performance.now() - t) / 1000);

  // The floor on this machine right now: a bare Map.get over as many string keys.
  const m = new Map<string, number>();
  for (let i = 0; i < N; i++) m.set(flat(keyOf(i)), i);
  const flatKeys = keys.map(flat);
  t = performance.now();
  for (let r = 0; r < getRounds; r++) for (let i = 0; i < sample; i++) sink += m.get(flatKeys[i]!)!;
  const mapGetsPerSec = (getRounds * sample) / ((performance.now() - t) / 1000);
  m.clear();

  // Snapshot.
  t = performance.now();
  const snap = s.save();
  const saveMs = performance.now() - t;
  t = performance.now();
  const restored = Store.restore(snap);
  const restoreMs = performance.now() - t;

  console.log(
    `store bench: ${N} keys (${KEY_LEN}-byte keys in ${DIRS} dirs, ${VALUE_LEN}-byte values)`,
  );
  console.log(`  build:    ${(N / (buildMs / 1000)).toFixed(0)} sets/s (new keys)`);
  console.log(`  gets:     ${getsPerSec.toFixed(0)} /s`);
  console.log(`  sets:     ${setsPerSec.toFixed(0)} /s (overwrites)`);
  console.log(
    `  baseline: ${mapGetsPerSec.toFixed(0)} bare Map.get/s on ${N} keys (this machine, now)`,
  );
  console.log(
    `  heap:     ${perKey.toFixed(1)} bytes/key in all, ${(perKey - payload).toFixed(1)} beyond key and value`,
  );
  console.log(
    `  snapshot: ${(snap.length / 1e6).toFixed(1)} MB, save ${saveMs.toFixed(0)} ms, restore ${restoreMs.toFixed(0)} ms`,
  );
  if (restored.index !== s.index || sink === -1) throw new Error('restore mismatch');
}

await main();
