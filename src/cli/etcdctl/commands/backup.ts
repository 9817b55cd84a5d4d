// etcdctl backup --data-dir <dir> --backup-dir <dir>: copies the newest snapshot and the
// WAL, dropping membership entries and giving the copy new member and cluster IDs, so it
// starts (with --force-new-cluster) as a new one-member cluster rather than rejoining.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Entry, EntryType, type HardState } from '../../../raft/types.js';
import { encodeWalMetadata } from '../../../server/wal-metadata.js';
import { Snapshotter } from '../../../snap/snapshotter.js';
import { decodeRequest } from '../../../server/etcdserverpb.js';
import { WAL } from '../../../wal/wal.js';
import type { Ctl } from '../context.js';
import { type FlagValues, stringFlag } from '../goflag.js';
import type { CommandSpec } from '../spec.js';

const MEMBER_ATTRIBUTES = /\/0\/members\/[0-9a-fA-F]{1,16}\/attributes/;

/** Go's log.Println: `2006/01/02 15:04:05 message` on stderr. */
function logLine(ctl: Ctl, msg: string): void {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  const ts = `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  ctl.err(`${ts} ${msg}\n`);
}

function fatal(ctl: Ctl, e: unknown): never {
  logLine(ctl, e instanceof Error ? e.message : String(e));
  ctl.exit(1);
}

/** A new non-zero 64-bit ID in etcd's hex form. */
function newId(): string {
  let id = 0n;
  while (id === 0n) id = randomBytes(8).readBigUInt64BE();
  return id.toString(16);
}

/** Reads the WAL from a private copy, so a running member's lock does not stop a backup. */
async function readWal(ctl: Ctl, srcWal: string, at: { index: number; term: number }) {
  const tmp = await mkdtemp(join(tmpdir(), 'etcdctl-backup-'));
  try {
    const copy = join(tmp, 'wal');
    await mkdir(copy);
    for (const f of await readdir(srcWal)) {
      if (f.endsWith('.wal')) await copyFile(join(srcWal, f), join(copy, f));
    }
    const w = await WAL.open(copy, at, { warn: (m) => logLine(ctl, m) });
    try {
      return await w.readAll();
    } finally {
      await w.close();
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Drops ConfChange entries and member attribute updates, renumbering what follows. */
function filterEntries(ctl: Ctl, entries: Entry[], state: HardState): Entry[] {
  const out: Entry[] = [];
  let removed = 0;
  for (const e of entries) {
    const ent = { ...e, index: e.index - removed };
    if (ent.type === EntryType.ConfChange) {
      logLine(ctl, 'ignoring EntryConfChange raft entry');
      removed++;
      continue;
    }
    if (ent.data.length > 0) {
      try {
        const r = decodeRequest(ent.data);
        if (r.method === 'PUT' && MEMBER_ATTRIBUTES.test(r.path)) {
          logLine(ctl, `ignoring member attribute update on ${r.path}`);
          removed++;
          continue;
        }
      } catch {
        // not a v2 request: keep it as it is
      }
    }
    out.push(ent);
  }
  state.commit -= removed;
  return out;
}

export const backupCommand: CommandSpec = {
  name: 'backup',
  usage: 'backup an etcd directory',
  argsUsage: ' ',
  flags: [
    stringFlag('data-dir', 'Path to the etcd data dir'),
    stringFlag('backup-dir', 'Path to the backup dir'),
  ],
  async action(ctl: Ctl, flags: FlagValues) {
    const dataDir = flags.string('data-dir');
    const backupDir = flags.string('backup-dir');
    const srcSnap = join(dataDir, 'member', 'snap');
    const destSnap = join(backupDir, 'member', 'snap');
    const srcWal = join(dataDir, 'member', 'wal');
    const destWal = join(backupDir, 'member', 'wal');
    try {
      await mkdir(destSnap, { recursive: true, mode: 0o700 });
    } catch (e) {
      logLine(ctl, `failed creating backup snapshot dir ${destSnap}: ${(e as Error).message}`);
      ctl.exit(1);
    }
    const at = { index: 0, term: 0 };
    try {
      const snapshot = await new Snapshotter(srcSnap).load();
      if (snapshot !== null) {
        at.index = snapshot.metadata.index;
        at.term = snapshot.metadata.term;
        await new Snapshotter(destSnap).save(snapshot);
      }
    } catch (e) {
      fatal(ctl, e);
    }
    let contents: Awaited<ReturnType<typeof readWal>>;
    try {
      contents = await readWal(ctl, srcWal, at);
    } catch (e) {
      fatal(ctl, e);
    }
    const state = { ...contents.hardState };
    const entries = filterEntries(ctl, contents.entries, state);
    try {
      const w = await WAL.create(
        destWal,
        encodeWalMetadata({ memberId: newId(), clusterId: newId() }),
      );
      try {
        await w.save(state, entries);
        await w.saveSnapshot(at);
      } finally {
        await w.close();
      }
    } catch (e) {
      fatal(ctl, e);
    }
  },
};
