// The upgrade a data dir gets before a member starts on it (and what etcd-migrate runs):
// detect the layout, convert an etcd 0.4 member's dir into a 2.0 member dir, move a
// 2.0.0 dir's wal/ and snap/ into member/, turn a 0.4 standby's dir into a proxy's. The
// old files are left as they were; the new dir appears only when complete, so a failed
// upgrade changes nothing and a second run finds member/ and does nothing.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir, lockDir } from '../pkg/fileutil.js';
import { type Logger, log as defaultLog } from '../pkg/logger.js';
import { writeClusterFile } from '../proxy/cluster-file.js';
import { convert04, Upgrade04Error } from './convert.js';
import { type DetectedLayout, detectLayout, type Layout } from './layout.js';
import { writeMemberDir } from './write.js';

export { Upgrade04Error } from './convert.js';

export interface UpgradeOptions {
  /** --name: the member's 0.4 name (found from the 0.4 conf when absent or unknown). */
  name?: string;
  logger?: Logger;
  /** "Now" in ms for views made while replaying (tests); expiry never depends on it. */
  now?: number;
}

export interface UpgradeResult {
  /** What the dir was before. */
  was: Layout;
  /** How to start on it now: a member (restart), a proxy, or a new member. */
  startAs: 'member' | 'proxy' | 'new';
}

/** Detects the data dir's layout and upgrades it in place when it is an older one. */
export async function upgradeDataDir(
  dataDir: string,
  opts: UpgradeOptions = {},
): Promise<UpgradeResult> {
  const log = opts.logger ?? defaultLog;
  const d: DetectedLayout = detectLayout(dataDir);
  for (const n of d.unknown) {
    log.info(
      `etcd: found invalid file/dir ${n} under data dir ${dataDir} (Ignore this if you are upgrading etcd)`,
    );
  }
  switch (d.layout) {
    case 'empty':
      return { was: d.layout, startAs: 'new' };
    case 'member':
      return { was: d.layout, startAs: 'member' };
    case 'proxy':
      return { was: d.layout, startAs: 'proxy' };
    case 'v0.4-incomplete':
      throw new Upgrade04Error(
        `${dataDir} looks like an etcd 0.4 data dir but has no ${d.missing.join(', ')}: ` +
          'not upgraded, nothing changed (restore the missing files, or start with an empty data dir)',
      );
    default:
  }
  const lock = lockDir(dataDir);
  try {
    if (d.layout === 'v2.0.0') {
      await moveIntoMember(dataDir);
      log.info(`etcd: moved the 2.0.0 wal/ and snap/ of ${dataDir} into member/`);
      return { was: d.layout, startAs: 'member' };
    }
    if (d.layout === 'v0.4-standby') {
      const peers = await standbyToProxy(dataDir);
      log.info(
        `etcd: the etcd 0.4 standby in ${dataDir} becomes a proxy` +
          (peers.length > 0 ? ` of [${peers.join(' ')}]` : ' (its cluster comes from the flags)'),
      );
      return { was: d.layout, startAs: 'proxy' };
    }
    log.info(`etcd: upgrading the etcd 0.4 data dir ${dataDir} to 2.0`);
    let c: ReturnType<typeof convert04>;
    try {
      c = convert04(dataDir, {
        ...(opts.name !== undefined ? { name: opts.name } : {}),
        ...(opts.now !== undefined ? { now: opts.now } : {}),
      });
    } catch (e) {
      throw new Upgrade04Error(
        `cannot upgrade the etcd 0.4 data dir ${dataDir}: ${(e as Error).message}; nothing was changed`,
      );
    }
    for (const n of c.notes) log.info(`etcd: upgrade: ${n}`);
    try {
      await writeMemberDir(dataDir, c);
    } catch (e) {
      await rm(join(dataDir, 'member.upgrading'), { recursive: true, force: true });
      throw new Upgrade04Error(
        `cannot write the upgraded member dir in ${dataDir}: ${(e as Error).message}; the 0.4 files were not changed`,
      );
    }
    log.info(
      `etcd: upgraded ${dataDir}: member ${c.self.name} (${c.self.id}) of ${c.members.length} ` +
        `in cluster 4add5, store index ${c.store.index}, raft index ${c.index} term ${c.term}` +
        ` (${c.snapshotFile ? `snapshot ${c.snapshotFile} + ` : ''}${c.replayed} log entries); ` +
        'the 0.4 files are kept',
    );
    return { was: d.layout, startAs: 'member' };
  } finally {
    lock.release();
  }
}

/** etcd 2.0.0 kept wal/ and snap/ at the top; 2.0.1 and later keep them in member/. */
async function moveIntoMember(dataDir: string): Promise<void> {
  const tmp = join(dataDir, 'member.upgrading');
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { mode: 0o700 });
  await rename(join(dataDir, 'wal'), join(tmp, 'wal'));
  await rename(join(dataDir, 'snap'), join(tmp, 'snap'));
  await rename(tmp, join(dataDir, 'member'));
  await fsyncDir(dataDir);
}

interface StandbyInfo4 {
  Running?: boolean;
  Cluster?: { name?: string; peerURL?: string; clientURL?: string }[] | null;
  SyncInterval?: number;
}

/** A 0.4 standby (standby_info) becomes a proxy: proxy/, with the peers it knew if any. */
async function standbyToProxy(dataDir: string): Promise<string[]> {
  const file = join(dataDir, 'standby_info');
  let info: StandbyInfo4;
  try {
    info = JSON.parse(readFileSync(file, 'utf8')) as StandbyInfo4;
  } catch (e) {
    throw new Upgrade04Error(
      `cannot upgrade the etcd 0.4 standby in ${dataDir}: ${file} is not valid (${(e as Error).message}); nothing was changed`,
    );
  }
  const peers = (info.Cluster ?? []).map((m) => m?.peerURL ?? '').filter((u) => u !== '');
  const tmp = join(dataDir, 'proxy.upgrading');
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { mode: 0o700 });
  if (peers.length > 0) writeClusterFile(join(tmp, 'cluster'), peers);
  await rename(tmp, join(dataDir, 'proxy'));
  await fsyncDir(dataDir);
  return peers;
}

/** True when the dir needs no upgrade (for callers that only want to know). */
export function isUpgraded(dataDir: string): boolean {
  return existsSync(join(dataDir, 'member')) || existsSync(join(dataDir, 'proxy'));
}
