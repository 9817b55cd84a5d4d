// An in-memory Storage, as etcd's raft.MemoryStorage: the driver appends entries to it
// after they are durable (WAL synced), and raft reads the stable log from it.
// ents[0] is a dummy entry holding the index and term of the last compaction point.
import { CompactedError, type Storage, UnavailableError } from './interface.js';
import {
  type ConfState,
  type Entry,
  EntryType,
  EMPTY_BYTES,
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

export class MemoryStorage implements Storage {
  private hardState: HardState = emptyHardState();
  private snap: Snapshot = emptySnapshot();
  private ents: Entry[] = [{ term: 0, index: 0, type: EntryType.Normal, data: EMPTY_BYTES }];

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

  private get offset(): number {
    return this.ents[0]!.index;
  }

  entries(lo: number, hi: number, maxSize: number): Entry[] {
    const offset = this.offset;
    if (lo <= offset) throw new CompactedError();
    if (hi > this.lastIndex() + 1) {
      throw new RangeError(`entries' hi(${hi}) is out of bound lastindex(${this.lastIndex()})`);
    }
    if (this.ents.length === 1) throw new UnavailableError();
    return limitSize(this.ents.slice(lo - offset, hi - offset), maxSize);
  }

  term(index: number): number {
    const offset = this.offset;
    if (index < offset) throw new CompactedError();
    const i = index - offset;
    if (i >= this.ents.length) throw new UnavailableError();
    return this.ents[i]!.term;
  }

  lastIndex(): number {
    return this.ents[0]!.index + this.ents.length - 1;
  }

  firstIndex(): number {
    return this.ents[0]!.index + 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the log with the snapshot's point (the driver persisted the snapshot). */
  applySnapshot(snap: Snapshot): void {
    if (this.snap.metadata.index >= snap.metadata.index) throw new SnapshotOutOfDateError();
    this.snap = snap;
    this.ents = [
      {
        term: snap.metadata.term,
        index: snap.metadata.index,
        type: EntryType.Normal,
        data: EMPTY_BYTES,
      },
    ];
  }

  /** Records a snapshot of the state machine at index (which must be applied). */
  createSnapshot(index: number, confState: ConfState | null, data: Uint8Array): Snapshot {
    if (index <= this.snap.metadata.index) throw new SnapshotOutOfDateError();
    const offset = this.offset;
    if (index > this.lastIndex()) {
      throw new RangeError(`snapshot ${index} is out of bound lastindex(${this.lastIndex()})`);
    }
    const cs = confState ?? this.snap.metadata.confState;
    this.snap = {
      data,
      metadata: {
        index,
        term: this.ents[index - offset]!.term,
        confState: { voters: cs.voters.slice(), learners: cs.learners.slice() },
      },
    };
    return this.snap;
  }

  /** Discards entries before index; index becomes the new dummy entry. */
  compact(index: number): void {
    const offset = this.offset;
    if (index <= offset) throw new CompactedError();
    if (index > this.lastIndex()) {
      throw new RangeError(`compact ${index} is out of bound lastindex(${this.lastIndex()})`);
    }
    const i = index - offset;
    const head = this.ents[i]!;
    const next = this.ents.slice(i);
    next[0] = { term: head.term, index: head.index, type: EntryType.Normal, data: EMPTY_BYTES };
    this.ents = next;
  }

  /** Appends entries, truncating any conflicting suffix. Entries must be contiguous. */
  append(entries: Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = entries[0]!.index + entries.length - 1;
    if (last < first) return; // all already compacted
    // Skip the part that is already compacted.
    if (first > entries[0]!.index) entries = entries.slice(first - entries[0]!.index);
    const offset = entries[0]!.index - this.offset;
    const len = this.ents.length;
    if (len > offset) {
      this.ents.length = offset;
      for (const e of entries) this.ents.push(e);
    } else if (len === offset) {
      for (const e of entries) this.ents.push(e);
    } else {
      throw new RangeError(
        `missing log entry [last: ${this.lastIndex()}, append at: ${entries[0]!.index}]`,
      );
    }
  }
}
