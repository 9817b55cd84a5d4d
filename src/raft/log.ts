// The raft log (etcd's raftLog): the stable part in Storage, the unstable tail in memory,
// and the commit and apply cursors.
import { CompactedError, type Storage, UnavailableError } from './interface.js';
import { NO_INDEX, Unstable } from './log-unstable.js';
import { limitSize } from './storage.js';
import type { Entry, Snapshot } from './types.js';

export const NO_LIMIT = Number.MAX_SAFE_INTEGER;

export class RaftLog {
  readonly storage: Storage;
  readonly unstable: Unstable;
  /** Highest index known to be committed by a quorum. */
  committed: number;
  /** Highest index the application has applied. Always <= committed. */
  applied: number;
  /** Cap on the bytes of committed entries handed out per Ready. */
  maxNextEntsSize: number;

  constructor(storage: Storage, maxNextEntsSize = NO_LIMIT) {
    this.storage = storage;
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new Unstable(last + 1);
    this.committed = first - 1;
    this.applied = first - 1;
    this.maxNextEntsSize = maxNextEntsSize;
  }

  toString(): string {
    return `committed=${this.committed}, applied=${this.applied}, unstable.offset=${this.unstable.offset}, len(unstable.entries)=${this.unstable.entries.length}`;
  }

  /**
   * Appends entries after (index, logTerm) if that entry matches; returns the new last
   * index, or -1 if it does not match (the leader must back off).
   */
  maybeAppend(index: number, logTerm: number, committed: number, ents: Entry[]): number {
    if (!this.matchTerm(index, logTerm)) return NO_INDEX;
    const lastNew = index + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      if (ci <= this.committed) {
        throw new Error(
          `entry ${ci} conflicts with committed entry [committed(${this.committed})]`,
        );
      }
      const start = ci - (index + 1);
      this.append(start === 0 ? ents : ents.slice(start));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  append(ents: Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    const after = ents[0]!.index - 1;
    if (after < this.committed) {
      throw new Error(`after(${after}) is out of range [committed(${this.committed})]`);
    }
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  /**
   * The index of the first entry that is new or conflicts (same index, other term), or 0
   * if all of them are already in the log.
   */
  findConflict(ents: Entry[]): number {
    for (let i = 0; i < ents.length; i++) {
      const e = ents[i]!;
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * The largest index <= index whose term is <= term: where the leader should probe
   * next after a rejection (fast back-off).
   */
  findConflictByTerm(index: number, term: number): number {
    if (index > this.lastIndex()) return index;
    for (;;) {
      const t = this.termOrError(index);
      if (t <= term || t < 0) break;
      index--;
    }
    return index;
  }

  /** The unstable entries, shared with the log: do not modify the array. */
  unstableEntries(): Entry[] {
    return this.unstable.share();
  }

  /** Committed entries not yet applied, at most maxNextEntsSize bytes. */
  nextEnts(): Entry[] {
    const off = Math.max(this.applied + 1, this.firstIndex());
    if (this.committed + 1 > off) {
      const ents = this.slice(off, this.committed + 1, this.maxNextEntsSize);
      if (ents === null) throw new Error('unexpected error when getting unapplied entries');
      return ents;
    }
    return [];
  }

  hasNextEnts(): boolean {
    return this.committed + 1 > Math.max(this.applied + 1, this.firstIndex());
  }

  hasPendingSnapshot(): boolean {
    const s = this.unstable.snapshot;
    return s !== null && s.metadata.index !== 0;
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  firstIndex(): number {
    const i = this.unstable.maybeFirstIndex();
    return i !== NO_INDEX ? i : this.storage.firstIndex();
  }

  lastIndex(): number {
    const i = this.unstable.maybeLastIndex();
    return i !== NO_INDEX ? i : this.storage.lastIndex();
  }

  commitTo(toCommit: number): void {
    // Never decrease commit.
    if (this.committed < toCommit) {
      if (this.lastIndex() < toCommit) {
        throw new Error(
          `tocommit(${toCommit}) is out of range [lastIndex(${this.lastIndex()})]. Was the raft log corrupted, truncated, or lost?`,
        );
      }
      this.committed = toCommit;
    }
  }

  appliedTo(i: number): void {
    if (i === 0) return;
    if (this.committed < i || i < this.applied) {
      throw new Error(
        `applied(${i}) is out of range [prevApplied(${this.applied}), committed(${this.committed})]`,
      );
    }
    this.applied = i;
  }

  stableTo(i: number, t: number): void {
    this.unstable.stableTo(i, t);
  }

  stableSnapTo(i: number): void {
    this.unstable.stableSnapTo(i);
  }

  lastTerm(): number {
    return this.term(this.lastIndex());
  }

  /** The term of entry i, 0 when i is outside [first-1, last] or compacted. */
  term(i: number): number {
    const t = this.termOrError(i);
    return Math.max(t, 0);
  }

  /** As term(), but -1 when the entry was compacted or is unavailable in storage. */
  termOrError(i: number): number {
    const dummy = this.firstIndex() - 1;
    if (i < dummy || i > this.lastIndex()) return 0;
    const t = this.unstable.maybeTerm(i);
    if (t !== NO_INDEX) return t;
    try {
      return this.storage.term(i);
    } catch (err) {
      if (err instanceof CompactedError || err instanceof UnavailableError) return -1;
      throw err;
    }
  }

  /** Entries from i on, at most maxSize bytes; null if i was compacted. */
  entries(i: number, maxSize: number): Entry[] | null {
    if (i > this.lastIndex()) return [];
    return this.slice(i, this.lastIndex() + 1, maxSize);
  }

  allEntries(): Entry[] {
    return this.entries(this.firstIndex(), NO_LIMIT) ?? [];
  }

  /** Is (lastIndex, term) at least as up to date as our log (§5.4.1)? */
  isUpToDate(lasti: number, term: number): boolean {
    const lt = this.lastTerm();
    return term > lt || (term === lt && lasti >= this.lastIndex());
  }

  matchTerm(i: number, term: number): boolean {
    const t = this.termOrError(i);
    return t >= 0 && t === term;
  }

  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.term(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  restore(s: Snapshot): void {
    this.committed = s.metadata.index;
    this.unstable.restore(s);
  }

  /** Entries [lo, hi) from storage and the unstable tail; null if lo was compacted. */
  slice(lo: number, hi: number, maxSize: number): Entry[] | null {
    if (lo > hi) throw new Error(`invalid slice ${lo} > ${hi}`);
    const fi = this.firstIndex();
    if (lo < fi) return null;
    const length = this.lastIndex() + 1 - fi;
    if (hi > fi + length)
      throw new Error(`slice[${lo},${hi}) out of bound [${fi},${this.lastIndex()}]`);
    if (lo === hi) return [];
    const uoff = this.unstable.offset;
    let ents: Entry[] | null = null;
    if (lo < uoff) {
      let stored: Entry[];
      try {
        stored = this.storage.entries(lo, Math.min(hi, uoff), maxSize);
      } catch (err) {
        if (err instanceof CompactedError) return null;
        if (err instanceof UnavailableError) {
          throw new Error(`entries[${lo}:${Math.min(hi, uoff)}) is unavailable from storage`);
        }
        throw err;
      }
      // Storage limited the size: stop here.
      if (stored.length < Math.min(hi, uoff) - lo) return stored;
      ents = stored;
    }
    if (hi > uoff) {
      const u = this.unstable.slice(Math.max(lo, uoff), hi);
      if (ents === null || ents.length === 0) ents = u;
      else ents = ents.concat(u);
    }
    return maxSize >= NO_LIMIT ? ents! : limitSize(ents!, maxSize);
  }
}
