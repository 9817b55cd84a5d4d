// Crash stress: rounds of a fresh 3-member cluster of bin/etcd under writes, every member
// killed (kill -9, or SIGTERM then SIGKILL) at a random moment, then each WAL read back as
// a restart reads it. Stops at the first failure and keeps the data dirs.
// Usage: node dist/scripts/crash-stress.js [rounds] [seed]   (npm run test:crash)
import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WAL } from '../src/wal/wal.js';
import { validSnapshotMarkers } from '../src/wal/markers.js';
import { startCluster } from '../test/helpers/cluster.js';
import { backgroundWriter, sleep, TUNING, waitLeader } from '../test/cluster/util.js';
import { dumpSegment } from './wal-dump.js';

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** Opens a copy of the member's WAL at its newest marker as a restart would; throws if unreadable. */
async function checkWal(dataDir: string): Promise<void> {
  const copy = mkdtempSync(join(tmpdir(), 'crash-walcheck-'));
  cpSync(join(dataDir, 'member', 'wal'), copy, { recursive: true });
  const markers = await validSnapshotMarkers(copy);
  // Without snapshot files the start is the marker at 0 (snapshot-count is large here).
  const at = markers.find((m) => m.index === 0) ?? markers[0]!;
  const w = await WAL.open(copy, { index: at.index, term: at.term }, { preallocate: false });
  await w.readAll();
  await w.close();
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 20);
  const seed = Number(process.argv[3] ?? Date.now() % 1e9);
  console.log(`crash stress: ${rounds} rounds, seed ${seed}`);
  const rand = rng(seed);
  for (let round = 0; round < rounds; round++) {
    const c = await startCluster(3, { tuning: TUNING });
    const term = rand() < 0.3;
    const waitMs = Math.floor(rand() * 1500);
    let failed = false;
    try {
      const early = rand() < 0.5;
      if (!early) await waitLeader(c, 20_000);
      const writer = early ? null : backgroundWriter(c, 'w', 3);
      await sleep(waitMs);
      await Promise.all(c.members.map((_, i) => c.stopMember(i, term ? 'SIGTERM' : 'SIGKILL')));
      await writer?.stop();
      for (const m of c.members) {
        try {
          if (readdirSync(join(m.dataDir, 'member', 'wal')).length === 0) continue;
          await checkWal(m.dataDir);
        } catch (e) {
          failed = true;
          const keep = mkdtempSync(join(tmpdir(), 'crash-fail-'));
          cpSync(join(m.dataDir, '..'), keep, { recursive: true });
          console.log(
            `round ${round} (${term ? 'SIGTERM' : 'kill -9'} after ${waitMs} ms${early ? ', at start' : ''}): ${m.name}: ${(e as Error).message}`,
          );
          console.log(`data dirs kept in ${keep}`);
          const wd = join(keep, m.name, 'member', 'wal');
          for (const f of readdirSync(wd).filter((n) => n.endsWith('.wal')))
            console.log(dumpSegment(join(wd, f)).join('\n'));
          for (const mm of c.members)
            console.log(`--- ${mm.name}\n${mm.proc?.output().slice(-3000)}`);
          break;
        }
      }
    } finally {
      await c.close();
    }
    if (failed) process.exit(1);
    console.log(`round ${round} ok (${term ? 'SIGTERM' : 'kill -9'} after ${waitMs} ms)`);
  }
  console.log(`${rounds} rounds clean (seed ${seed})`);
}

await main();
