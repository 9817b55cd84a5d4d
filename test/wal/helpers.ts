// Shared helpers for the WAL tests: temporary dirs and entry makers.
import { tempDir as sharedTempDir } from '../helpers/process.js';
import { type Entry, EntryType } from '../../src/raft/types.js';

/** test/helpers/process.ts's temp dir, under the names the WAL tests use. */
export function tempDir(prefix = 'wal-test'): { dir: string; cleanup(): void } {
  const t = sharedTempDir(prefix.replace(/-$/, ''));
  return { dir: t.path, cleanup: t.remove };
}

export function entry(index: number, term = 1, size = 16): Entry {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (index * 31 + i) & 0xff;
  return { term, index, type: EntryType.Normal, data };
}

export function entries(from: number, to: number, term = 1, size = 16): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(entry(i, term, size));
  return out;
}

export const META = new TextEncoder().encode('member-8e9e05c52164694d cluster-cdf818194e3a8c32');

/** The entry the crash writer writes at `index` in incarnation `term`: checkable content. */
export function crashEntry(index: number, term: number): Entry {
  const size = 1 + ((index * 7) % 600);
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (index + term * 13 + i) & 0xff;
  return { term, index, type: EntryType.Normal, data };
}
