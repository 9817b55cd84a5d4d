// Segment file names: `%016x-%016x.wal` (sequence number, index of the first entry the
// segment may hold), as etcd.
import { readdirSync } from 'node:fs';
import { readdir } from 'node:fs/promises';

export interface SegmentName {
  name: string;
  seq: number;
  index: number;
}

const NAME = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/;

export function segmentName(seq: number, index: number): string {
  return `${hex16(seq)}-${hex16(index)}.wal`;
}

export function hex16(n: number): string {
  return n.toString(16).padStart(16, '0');
}

export function parseSegmentName(name: string): SegmentName | null {
  const m = NAME.exec(name);
  if (m === null) return null;
  return { name, seq: Number.parseInt(m[1]!, 16), index: Number.parseInt(m[2]!, 16) };
}

function sortSegments(names: string[]): SegmentName[] {
  const out: SegmentName[] = [];
  for (const n of names) {
    const s = parseSegmentName(n);
    if (s !== null) out.push(s);
  }
  out.sort((a, b) => a.seq - b.seq);
  return out;
}

export async function listSegments(dir: string): Promise<SegmentName[]> {
  return sortSegments(await readdir(dir));
}

export function listSegmentsSync(dir: string): SegmentName[] {
  return sortSegments(readdirSync(dir));
}

/** Sequence numbers must run without gaps (a missing middle segment would lose entries). */
export function checkSequence(dir: string, segs: SegmentName[]): void {
  for (let i = 1; i < segs.length; i++) {
    if (segs[i]!.seq !== segs[i - 1]!.seq + 1) {
      throw new Error(
        `wal: segments in ${dir} are not contiguous: ${segs[i - 1]!.name} is followed by ${segs[i]!.name}`,
      );
    }
  }
}

/** Position of the last segment whose first index is <= index, or -1 (etcd's searchIndex). */
export function searchIndex(segs: SegmentName[], index: number): number {
  for (let i = segs.length - 1; i >= 0; i--) {
    if (segs[i]!.index <= index) return i;
  }
  return -1;
}
