// Crash rounds: a fresh 3-member cluster of bin/etcd, under writes or at its very start
// (elections, first appends), every member killed at a seeded random moment (kill -9, or
// SIGTERM with SIGKILL after 10 s), then each member's WAL read back as a restart reads it.
// Stops at the first unreadable WAL, keeping the data dirs and printing the records.
// Used by crash-stress.test.ts (a few rounds) and scripts/crash-stress.ts (npm run test:crash).
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Prng } from '../../src/pkg/prng.js';
import { validSnapshotMarkers } from '../../src/wal/markers.js';
import { WAL } from '../../src/wal/wal.js';
import { dumpSegment } from '../../scripts/wal-dump.js';
import { startCluster } from '../helpers/cluster.js';
import { backgroundWriter, sleep, TUNING, waitLeader } from './util.js';

/** Opens a copy of the member's WAL at its newest marker (no snapshot files here). */
async function checkWal(dataDir: string): Promise<void> {
  const copy = mkdtempSync(join(tmpdir(), 'crash-walcheck-'));
  try {
    cpSync(join(dataDir, 'member', 'wal'), copy, { recursive: true });
    const markers = await validSnapshotMarkers(copy);
    const at = markers.find((m) => m.index === 0) ?? markers[0]!;
    const w = await WAL.open(copy, { index: at.index, term: at.term }, { preallocate: false });
    await w.readAll();
    await w.close();
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

export interface CrashRoundsResult {
  clean: number;
  /** The first failure: what, and where its data dirs were kept. */
  failure: string | null;
}

export async function crashRounds(
  rounds: number,
  seed: number,
  log: (line: string) => void,
): Promise<CrashRoundsResult> {
  const rng = new Prng(seed);
  for (let round = 0; round < rounds; round++) {
    const c = await startCluster(3, { tuning: TUNING });
    const signal = rng.chance(0.3) ? 'SIGTERM' : 'SIGKILL';
    const early = rng.chance(0.5);
    const waitMs = rng.int(1500);
    const what = `round ${round} (${signal} after ${waitMs} ms${early ? ' from the start' : ' of writes'})`;
    try {
      if (!early) await waitLeader(c, 20_000);
      const writer = early ? null : backgroundWriter(c, 'w', 3);
      await sleep(waitMs);
      await Promise.all(c.members.map((_, i) => c.stopMember(i, signal)));
      await writer?.stop();
      for (const m of c.members) {
        const walDir = join(m.dataDir, 'member', 'wal');
        if (readdirSync(walDir, { withFileTypes: true }).length === 0) continue;
        try {
          await checkWal(m.dataDir);
        } catch (e) {
          const keep = mkdtempSync(join(tmpdir(), 'crash-fail-'));
          cpSync(join(m.dataDir, '..'), keep, { recursive: true });
          log(`${what}: ${m.name}: ${(e as Error).message}`);
          log(`data dirs kept in ${keep}`);
          const wd = join(keep, m.name, 'member', 'wal');
          for (const f of readdirSync(wd).filter((n) => n.endsWith('.wal'))) {
            log(`${f}:\n${dumpSegment(join(wd, f)).join('\n')}`);
          }
          return { clean: round, failure: `${what}: ${m.name}: ${(e as Error).message}` };
        }
      }
    } finally {
      await c.close();
    }
    log(`${what}: every WAL reads back`);
  }
  return { clean: rounds, failure: null };
}
