// WAL throughput: entries/s and MB/s for 256-byte entries at batch sizes 1, 16 and 256
// (one save = one write + one fdatasync), next to the raw fdatasync rate of the same disk
// (a loop of 4 KiB write + fdatasync appending to a file). The disk is noisy (a VM), so
// the WAL and the raw loops run in alternating rounds and are compared on their totals;
// a raw loop writing as many bytes per sync as one save is shown too (the disk's limit for
// that batch size).
//   npm run bench:wal            (WAL_BENCH_DIR=/path to choose the disk, WAL_BENCH_SECONDS)
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Entry, EntryType } from '../src/raft/types.js';
import { BatchEncoder } from '../src/wal/encoder.js';
import { RecordType, recordSize } from '../src/wal/record.js';
import { WAL } from '../src/wal/wal.js';

const ENTRY_SIZE = 256;
const SECONDS = Number(process.env.WAL_BENCH_SECONDS ?? 2);
const base = mkdtempSync(join(process.env.WAL_BENCH_DIR ?? tmpdir(), 'wal-bench-'));

interface Rate {
  ops: number;
  seconds: number;
  bytes: number;
  /** CPU time (user + system) of this process, µs. */
  cpu: number;
}

async function rawSync(ms: number, file: string, size: number): Promise<Rate> {
  const fh = await open(file, 'a+');
  const buf = new Uint8Array(size).fill(7);
  let ops = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    await fh.write(buf, 0, buf.length);
    await fh.datasync();
    ops++;
  }
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  await fh.close();
  return { ops, seconds, bytes: ops * size, cpu: c.user + c.system };
}

function add(into: Rate, r: Rate): void {
  into.ops += r.ops;
  into.seconds += r.seconds;
  into.bytes += r.bytes;
  into.cpu += r.cpu;
}

function makeBatch(next: number, n: number): Entry[] {
  const out: Entry[] = [];
  for (let i = 0; i < n; i++) {
    const data = new Uint8Array(ENTRY_SIZE);
    data.fill((next + i) & 0xff);
    out.push({ term: 1, index: next + i, type: EntryType.Normal, data });
  }
  return out;
}

async function walRun(
  w: WAL,
  start: number,
  batch: number,
  ms: number,
): Promise<Rate & { next: number }> {
  // Batches are prepared up front so the timing is the WAL's (encoding, CRC, write, sync).
  const batches: Entry[][] = [];
  const pool = Math.max(1, Math.ceil(4096 / batch));
  let next = start;
  for (let i = 0; i < pool; i++) {
    batches.push(makeBatch(next, batch));
    next += batch;
  }
  let ops = 0;
  let index = start;
  const hs = { term: 1, vote: '1', commit: 0 };
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    const b = batches[ops % pool]!;
    for (let i = 0; i < b.length; i++) b[i]!.index = index + i; // keep indexes increasing
    index += b.length;
    hs.commit = index - 1;
    await w.save(hs, b);
    ops++;
  }
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { ops, seconds, bytes: ops * batch * ENTRY_SIZE, cpu: c.user + c.system, next: index };
}

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n.toFixed(1);
}

/**
 * The WAL's own cost: encoding and CRC of 256-entry batches, no I/O, in bytes of entry
 * data per second of this process's CPU time (so other load on the machine matters less).
 */
function cpuOnly(ms: number): number {
  const enc = new BatchEncoder();
  const batch = makeBatch(1, 256);
  let crc = 0;
  const round = (): void => {
    enc.reset(crc);
    for (let i = 0; i < batch.length; i++) enc.entry(batch[i]!);
    crc = enc.crc;
  };
  for (let i = 0; i < 200; i++) round(); // warm up the JIT
  let bytes = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    round();
    bytes += batch.length * ENTRY_SIZE;
  }
  const c = process.cpuUsage(c0);
  return bytes / ((c.user + c.system) / 1e6);
}

async function main(): Promise<void> {
  console.log(`WAL bench in ${base} (${SECONDS}s per figure, ${ENTRY_SIZE}-byte entries)`);
  console.log(
    `encode + CRC only (no I/O): ${fmt(cpuOnly(1000) / 1e6)} MB/s of entry data per CPU second`,
  );
  const rounds = 6;
  const slice = (SECONDS * 1000) / rounds;
  for (const batch of [1, 16, 256]) {
    // Alternating rounds of: raw 4 KiB sync loop, raw loop writing what one save writes,
    // the WAL, and the WAL without preallocation, so that the disk's ups and downs hit all
    // of them alike.
    const w = await WAL.create(join(base, `b${batch}`, 'wal'), new Uint8Array(8));
    const wn = await WAL.create(join(base, `n${batch}`, 'wal'), new Uint8Array(8), {
      preallocate: false,
    });
    // An entry record: its data is the entry's protobuf (about 10 bytes + the data).
    const saveBytes = batch * recordSize(RecordType.Entry, 0xffffffff, 12 + ENTRY_SIZE) + 40; // + hard state
    const raw4k = zero();
    const rawSame = zero();
    const wal = zero();
    const walNoPre = zero();
    let next = 1;
    let nextNo = 1;
    for (let r = 0; r < rounds; r++) {
      add(raw4k, await rawSync(slice, join(base, `raw4k-${batch}-${r}`), 4096));
      add(rawSame, await rawSync(slice, join(base, `rawsame-${batch}-${r}`), saveBytes));
      const res = await walRun(w, next, batch, slice);
      next = res.next;
      add(wal, res);
      const resNo = await walRun(wn, nextNo, batch, slice);
      nextNo = resNo.next;
      add(walNoPre, resNo);
    }
    await w.close();
    await wn.close();
    const saves = wal.ops / wal.seconds;
    const savesNo = walNoPre.ops / walNoPre.seconds;
    const r4 = raw4k.ops / raw4k.seconds;
    const rs = rawSame.ops / rawSame.seconds;
    console.log(
      `batch ${String(batch).padStart(3)}: ${fmt(saves * batch)} entries/s, ` +
        `${fmt(wal.bytes / wal.seconds / 1e6)} MB/s, ${fmt(saves)} saves/s ` +
        `(without preallocation: ${fmt(savesNo * batch)} entries/s, ${fmt(walNoPre.bytes / walNoPre.seconds / 1e6)} MB/s)\n` +
        `    raw 4 KiB write+fdatasync ${fmt(r4)}/s (WAL at ${fmt((100 * saves) / r4)}%), ` +
        `raw ${saveBytes}-byte write+fdatasync ${fmt(rs)}/s (WAL at ${fmt((100 * saves) / rs)}%)\n` +
        `    CPU per save: WAL ${fmt(wal.cpu / wal.ops)} µs, raw same-size loop ${fmt(rawSame.cpu / rawSame.ops)} µs`,
    );
  }
}

function zero(): Rate {
  return { ops: 0, seconds: 0, bytes: 0, cpu: 0 };
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => rmSync(base, { recursive: true, force: true }));
