// Property tests of the decoder against the crash model: only the last write (the one whose
// sync had not returned) can be damaged, by being cut short and by losing any of its
// 512-byte sectors (which then read as zeros). Whatever the damage, open must return every
// record of the earlier writes and exactly the intact leading records of the last one;
// etcd's format has no sync marks, so when some of the last write survives after a lost
// sector the decoder may instead refuse (a WalCorruptError, as Go etcd refuses any torn
// tail). Damage anywhere in an earlier (synced) write must be reported, never cut off.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type Entry, EntryType } from '../../src/raft/types.js';
import { scanSegment, WalCorruptError } from '../../src/wal/decoder.js';
import { BatchEncoder } from '../../src/wal/encoder.js';
import { type RecordType, SECTOR_SIZE } from '../../src/wal/record.js';

const META = new Uint8Array([1, 2, 3]);

/** FC_SEED=<n> replays a reported failure. */
const SEED = process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {};

interface Image {
  bytes: Uint8Array;
  /** Start offset of every record, in order. */
  starts: number[];
  /** Where the data a crash may damage starts: after the last completed sync. */
  lastWrite: number;
  /** Number of records before that. */
  before: number;
}

interface Write {
  entries: Uint8Array[];
  /** Followed by an fdatasync (an unsynced write is a commit-only hard state in the WAL). */
  synced: boolean;
}

/**
 * Builds a segment as the WAL writes it: the segment's head (crc, metadata, snapshot
 * marker), then the writes in order. The last write's sync is the one a crash interrupts.
 */
function buildImage(writes: Write[]): Image {
  const parts: Uint8Array[] = [];
  const enc = new BatchEncoder();
  enc.reset(0);
  enc.crcRecord();
  enc.metadata(META);
  enc.snapshot(0, 0);
  parts.push(enc.bytes.slice());
  let crc = enc.crc;
  let index = 0;
  let off = parts[0]!.length;
  let lastWrite = off;
  for (let w = 0; w < writes.length; w++) {
    enc.reset(crc);
    for (const data of writes[w]!.entries) {
      const e: Entry = { term: 1, index: ++index, type: EntryType.Normal, data };
      enc.entry(e);
    }
    const synced = writes[w]!.synced;
    crc = enc.crc;
    parts.push(enc.bytes.slice());
    off += enc.bytes.length;
    if (synced && w < writes.length - 1) lastWrite = off;
  }
  const bytes = new Uint8Array(off);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  const starts: number[] = [];
  scanSegment(bytes, 'image', true, 0, (_t: RecordType, _p: Uint8Array, o: number) => {
    starts.push(o);
  });
  const before = starts.filter((s) => s < lastWrite).length;
  return { bytes, starts, lastWrite, before };
}

/** Entry data of any length up to 1300 (spanning sectors), varied non-constant bytes. */
const dataArb = fc.tuple(fc.nat(1300), fc.nat(255)).map(([len, seed]) => {
  const d = new Uint8Array(len);
  for (let i = 0; i < len; i++) d[i] = (seed + i * 131) & 0xff;
  return d;
});

const batchesArb = fc.array(
  fc.record({
    entries: fc.array(dataArb, { minLength: 1, maxLength: 5, size: 'max' }),
    synced: fc.boolean(),
  }),
  { minLength: 2, maxLength: 6, size: 'max' },
);

test('crash model: a cut-short last write with lost sectors yields exactly its intact prefix', (t) => {
  const seen = { prefix: 0, lossCut: 0, refused: 0 };
  fc.assert(
    fc.property(
      batchesArb,
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.array(fc.nat(), { minLength: 1, maxLength: 4, size: 'max' }),
      (batches, cutAt, lost) => {
        const img = buildImage(batches);
        const size = img.bytes.length;
        const cut = img.lastWrite + Math.floor(cutAt * (size - img.lastWrite));
        const damaged = img.bytes.slice(0, cut);
        // Lose sectors that hold bytes of the last write (only those bytes revert to zero).
        const firstSector = Math.floor(img.lastWrite / SECTOR_SIZE);
        const sectors = Math.ceil(cut / SECTOR_SIZE) - firstSector;
        // Where the first lost byte is (a byte that changed by being zeroed).
        let firstLost = cut;
        if (sectors > 0) {
          for (const l of lost) {
            const s = (firstSector + (l % sectors)) * SECTOR_SIZE;
            const from = Math.max(s, img.lastWrite);
            const to = Math.min(s + SECTOR_SIZE, cut);
            for (let i = from; i < to; i++) if (damaged[i] !== 0 && i < firstLost) firstLost = i;
            damaged.fill(0, from, to);
          }
        }
        // Some of the last write survives after a lost byte: refusing is allowed.
        let survives = false;
        for (let i = firstLost; i < cut && !survives; i++) survives = damaged[i] !== 0;
        // Expected: records before the last write, then the last write's records up to the
        // first one that is cut or differs from what was written.
        const ends = [...img.starts.slice(1), size];
        let expected = img.before;
        for (let k = img.before; k < img.starts.length; k++) {
          if (ends[k]! > cut) break;
          let same = true;
          for (let i = img.starts[k]!; i < ends[k]! && same; i++)
            same = damaged[i] === img.bytes[i];
          if (!same) break;
          expected++;
        }
        const got: number[] = [];
        let scan: ReturnType<typeof scanSegment>;
        try {
          scan = scanSegment(damaged, 'image', true, 0, (_t, _p, o) => {
            got.push(o);
          });
        } catch (e) {
          assert.ok(e instanceof WalCorruptError, String(e));
          assert.ok(survives, `refused a clean torn tail: ${(e as Error).message}`);
          seen.refused++;
          return;
        }
        assert.deepEqual(got, img.starts.slice(0, expected));
        assert.equal(scan.end, expected < img.starts.length ? img.starts[expected] : size);
        assert.equal(scan.torn !== null, scan.end < damaged.length);
        seen.prefix++;
        if (firstLost < cut) seen.lossCut++;
      },
    ),
    { numRuns: 1000, ...SEED },
  );
  t.diagnostic(
    `intact prefix: ${seen.prefix} (after lost sectors: ${seen.lossCut}); refused: ${seen.refused}`,
  );
  // Cutting after lost sectors (the case that needs the zero rules) must have been exercised.
  assert.ok(seen.lossCut > 20, JSON.stringify(seen));
});

test('crash model: a bit flip anywhere in an earlier, synced write is an error, never a cut', () => {
  fc.assert(
    fc.property(
      batchesArb,
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.nat(7),
      (batches, at, bit) => {
        const img = buildImage(batches);
        const pos = Math.floor(at * img.lastWrite) % img.lastWrite;
        const damaged = img.bytes.slice();
        damaged[pos] = damaged[pos]! ^ (1 << bit);
        let rec = 0;
        while (rec + 1 < img.starts.length && img.starts[rec + 1]! <= pos) rec++;
        assert.throws(
          () => scanSegment(damaged, 'image', true, 0, () => {}),
          (e: unknown) => e instanceof WalCorruptError && e.offset === img.starts[rec],
        );
      },
    ),
    { numRuns: 300, ...SEED },
  );
});

test('crash model: a lost sector inside an earlier, synced write is an error, never a cut', () => {
  fc.assert(
    fc.property(batchesArb, fc.double({ min: 0, max: 1, noNaN: true }), (batches, at) => {
      const img = buildImage(batches);
      const whole = Math.floor(img.lastWrite / SECTOR_SIZE); // sectors wholly before the last write
      if (whole === 0) return;
      const s = Math.min(whole - 1, Math.floor(at * whole)) * SECTOR_SIZE;
      const damaged = img.bytes.slice();
      damaged.fill(0, s, s + SECTOR_SIZE);
      let rec = 0;
      while (rec + 1 < img.starts.length && img.starts[rec + 1]! < s) rec++;
      assert.throws(
        () => scanSegment(damaged, 'image', true, 0, () => {}),
        (e: unknown) => e instanceof WalCorruptError,
        `sector at ${s}, last write at ${img.lastWrite}`,
      );
    }),
    { numRuns: 300, ...SEED },
  );
});

test('any damage at all: the scan returns a prefix of the records or throws WalCorruptError', () => {
  fc.assert(
    fc.property(
      batchesArb,
      fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(255)), {
        minLength: 1,
        maxLength: 8,
      }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (batches, edits, keep) => {
        const img = buildImage(batches);
        const damaged = img.bytes.slice(0, Math.max(1, Math.ceil(keep * img.bytes.length)));
        for (const [at, v] of edits) damaged[Math.floor(at * (damaged.length - 1))] = v;
        const got: number[] = [];
        try {
          const scan = scanSegment(damaged, 'image', true, 0, (_t, _p, o) => {
            got.push(o);
          });
          // Whatever is returned is exactly a run of the original records, undamaged.
          assert.deepEqual(got, img.starts.slice(0, got.length));
          assert.ok(scan.end <= damaged.length);
        } catch (e) {
          assert.ok(e instanceof WalCorruptError, String(e));
        }
      },
    ),
    { numRuns: 1000, ...SEED },
  );
});
