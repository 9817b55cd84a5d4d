// Removal of old WAL segments (--max-wals), as etcd's purge but with the safety rule
// spelled out: a segment goes only when a snapshot covers it.
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from '../pkg/fileutil.js';
import { listSegments, searchIndex } from './segment.js';

/**
 * Removes the oldest segments in `dir` while more than `max` remain (0 = keep all), but only
 * segments a snapshot at `upToIndex` makes unnecessary: WAL.open(dir, {index: upToIndex})
 * starts reading at the last segment whose first index is <= upToIndex, so only segments
 * before that one are removed, and never the last (in use) segment. Returns the names
 * removed.
 */
export async function purgeWals(dir: string, max: number, upToIndex: number): Promise<string[]> {
  if (max <= 0) return [];
  const segs = await listSegments(dir);
  const keepFrom = searchIndex(segs, upToIndex);
  const removable = Math.min(segs.length - max, keepFrom, segs.length - 1);
  const removed: string[] = [];
  for (let i = 0; i < removable; i++) {
    await unlink(join(dir, segs[i]!.name));
    removed.push(segs[i]!.name);
  }
  if (removed.length > 0) await fsyncDir(dir);
  return removed;
}
