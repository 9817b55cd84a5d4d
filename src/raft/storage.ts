// An in-memory Storage, as etcd's raft.MemoryStorage: the driver appends entries to it
// after they are durable (WAL synced), and raft reads the stable log from it.
//
// The log after the compaction point (dummyIndex/dummyTerm) is kept as a list of runs of
// contiguous entries, usually the very arrays handed to append(): appending a batch is
// O(1) instead of one store per entry into a large, old array (which V8 makes costly
// with write barriers). Small runs at the tail are merged so lookups stay short.
import { CompactedError, type Storage, UnavailableError } from './interface.js';
import {
  type ConfState,
  type Entry,
  emptyHardState,
  emptySnapshot,
  type HardState,
  type Snapshot,
} from './types.js';

export class SnapshotOutOfDateError extends Error {
  constructor() {
    super('requested index is older than the existing snapshot');
    this.name = 'SnapshotOutOfDateError';
  }
}

/** Sum of entry data sizes, keeping at least one entry (etcd's limitSize). */
export function limitSize(ents: Entry[], maxSize: number): Entry[] {
  const n = ents.length;
  if (n <= 1) return ents;
  let size = ents[0]!.data.length;
  let limit = 1;
  for (; limit < n; limit++) {
    size += ents[limit]!.data.length;
    if (size > maxSize) break;
  }
  return limit === n ? ents : ents.slice(0, limit);
}

/** A tail run shorter than this absorbs the next append (bounded copying). */
const MERGE_BELOW = 128;

export class MemoryStorage implements Storage {
  private hardState: HardState = emptyHardState();
  private snap: Snapshot = emptySnapshot();
  private dummyIndex = 0;
  private dummyTerm = 0;
  private last = 0;
  /** Contiguous runs of entries; runStart[k] is the index of runs[k][0]. */
  private runs: Entry[][] = [];
  private runStart: number[] = [];

  /** `confState`: an initial configuration without a snapshot (as etcd's tests do). */
  constructor(confState?: ConfState) {
    if (confState) {
      this.snap.metadata.confState = {
        voters: confState.voters.slice(),
        learners: confState.learners.slice(),
      };
    }
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: { ...this.hardState }, confState: this.snap.metadata.confState };
  }

  setHardState(hs: HardState): void {
    this.hardState = { term: hs.term, vote: hs.vote, commit: hs.commit };
  }

  /** The run holding index i (dummyIndex < i <= last). */
  private runOf(i: number): number {
    const starts = this.runStart;
    let hi = starts.length - 1;
    if (starts[hi]! <= i) return hi; // the tail: the usual case
    let lo = 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private at(i: number): Entry {
    const k = this.runOf(i);
    return this.runs[k]![i - this.runStart[k]!]!;
  }

  entries(lo: number, hi: number, maxSize: number): Entry[] {
    if (lo <= this.dummyIndex) throw new CompactedError();
    if (hi > this.last + 1) {
      throw new RangeError(`entries' hi(${hi}) is out of bound lastindex(${this.last})`);
    }
    if (this.last === this.dummyIndex) throw new UnavailableError();
    if (lo >= hi) return [];
    let k = this.runOf(lo);
    let run = this.runs[k]!;
    let start = this.runStart[k]!;
    if (hi <= start + run.length) return limitSize(run.slice(lo - start, hi - start), maxSize);
    // Spans several runs: gather up to the size limit.
    const out: Entry[] = [];
    let size = 0;
    for (let i = lo; i < hi; i++) {
      if (i >= start + run.length) {
        k++;
        run = this.runs[k]!;
        start = this.runStart[k]!;
      }
      const e = run[i - start]!;
      size += e.data.length;
      if (out.length > 0 && size > maxSize) break;
      out.push(e);
    }
    return out;
  }

  term(index: number): number {
    if (index < this.dummyIndex) throw new CompactedError();
    if (index === this.dummyIndex) return this.dummyTerm;
    if (index > this.last) throw new UnavailableError();
    return this.at(index).term;
  }

  lastIndex(): number {
    return this.last;
  }

  firstIndex(): number {
    return this.dummyIndex + 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the log with the snapshot's point (the driver persisted the snapshot). */
  applySnapshot(snap: Snapshot): void {
    if (this.snap.metadata.index >= snap.metadata.index) throw new SnapshotOutOfDateError();
    this.snap = snap;
    this.dummyIndex = snap.metadata.index;
    this.dummyTerm = snap.metadata.term;
    this.last = snap.metadata.index;
    this.runs = [];
    this.runStart = [];
  }

  /** Records a snapshot of the state machine at index (which must be applied). */
  createSnapshot(index: number, confState: ConfState | null, data: Uint8Array): Snapshot {
    if (index <= this.snap.metadata.index) throw new SnapshotOutOfDateError();
    if (index > this.last) {
      throw new RangeError(`snapshot ${index} is out of bound lastindex(${this.last})`);
    }
    const cs = confState ?? this.snap.metadata.confState;
    this.snap = {
      data,
      metadata: {
        index,
        term: this.term(index),
        confState: { voters: cs.voters.slice(), learners: cs.learners.slice() },
      },
    };
    return this.snap;
  }

  /** Discards entries up to index, which becomes the new compaction point. */
  compact(index: number): void {
    if (index <= this.dummyIndex) throw new CompactedError();
    if (index > this.last) {
      throw new RangeError(`compact ${index} is out of bound lastindex(${this.last})`);
    }
    this.dummyTerm = this.term(index);
    this.dummyIndex = index;
    if (index === this.last) {
      this.runs = [];
      this.runStart = [];
      return;
    }
    const k = this.runOf(index + 1);
    const start = this.runStart[k]!;
    if (start <= index) {
      this.runs[k] = this.runs[k]!.slice(index + 1 - start);
      this.runStart[k] = index + 1;
    }
    if (k > 0) {
      this.runs.splice(0, k);
      this.runStart.splice(0, k);
    }
  }

  /**
   * Appends entries, truncating any conflicting suffix. Entries must be contiguous with
   * the log. The storage may keep the array itself: do not modify it afterwards.
   */
  append(entries: Entry[]): void {
    if (entries.length === 0) return;
    const first = this.dummyIndex + 1;
    const firstNew = entries[0]!.index;
    if (firstNew + entries.length - 1 < first) return; // all already compacted
    // Skip the part that is already compacted.
    if (first > firstNew) entries = entries.slice(first - firstNew);
    const at = entries[0]!.index;
    if (at > this.last + 1) {
      throw new RangeError(`missing log entry [last: ${this.last}, append at: ${at}]`);
    }
    if (at <= this.last) this.truncateFrom(at);
    const n = this.runs.length;
    const tail = n > 0 ? this.runs[n - 1]! : null;
    if (tail !== null && tail.length < MERGE_BELOW) {
      this.runs[n - 1] = tail.concat(entries);
    } else {
      this.runs.push(entries);
      this.runStart.push(at);
    }
    this.last = at + entries.length - 1;
  }

  /** Drops entries from index i on (dummyIndex < i <= last). */
  private truncateFrom(i: number): void {
    const k = this.runOf(i);
    const start = this.runStart[k]!;
    if (start === i) {
      this.runs.length = k;
      this.runStart.length = k;
    } else {
      this.runs[k] = this.runs[k]!.slice(0, i - start);
      this.runs.length = k + 1;
      this.runStart.length = k + 1;
    }
    this.last = i - 1;
  }
}
