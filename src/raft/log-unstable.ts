// The not-yet-persisted tail of the log (etcd's unstable): entries from `offset` on, and
// possibly an incoming snapshot. The driver persists them from a Ready, then advance()
// calls stableTo / stableSnapTo so they are read from Storage from then on.
import type { Entry, Snapshot } from './types.js';

/** Returned by the maybe* lookups when the unstable log does not know the answer. */
export const NO_INDEX = -1;

export class Unstable {
  snapshot: Snapshot | null = null;
  entries: Entry[] = [];
  offset: number;
  /**
   * `entries` was handed out in a Ready (which the driver may hold until advance), so it
   * must not be modified in place: the next append copies it first. In the usual cycle
   * (ready, persist, advance) nothing is appended meanwhile and nothing is copied.
   */
  private shared = false;

  constructor(offset: number) {
    this.offset = offset;
  }

  maybeFirstIndex(): number {
    return this.snapshot !== null ? this.snapshot.metadata.index + 1 : NO_INDEX;
  }

  maybeLastIndex(): number {
    const n = this.entries.length;
    if (n !== 0) return this.offset + n - 1;
    return this.snapshot !== null ? this.snapshot.metadata.index : NO_INDEX;
  }

  maybeTerm(i: number): number {
    if (i < this.offset) {
      const s = this.snapshot;
      return s !== null && s.metadata.index === i ? s.metadata.term : NO_INDEX;
    }
    const last = this.maybeLastIndex();
    if (last === NO_INDEX || i > last) return NO_INDEX;
    return this.entries[i - this.offset]!.term;
  }

  /** Entries up to (i, t) are persisted; ignored if the term at i changed meanwhile. */
  stableTo(i: number, t: number): void {
    const gt = this.maybeTerm(i);
    if (gt === NO_INDEX) return;
    if (gt === t && i >= this.offset) {
      const from = i + 1 - this.offset;
      this.entries = from === this.entries.length ? [] : this.entries.slice(from);
      this.shared = false;
      this.offset = i + 1;
    }
  }

  /**
   * The entries, for a Ready: the caller must not modify the array, and the log does not
   * either while the Ready is held. An empty log hands out a fresh array: its own would
   * take the entries appended while the Ready's hard state is being saved, and advance()
   * would then mark them stable though no WAL write carried them (a gap in the WAL).
   */
  share(): Entry[] {
    if (this.entries.length === 0) return [];
    this.shared = true;
    return this.entries;
  }

  stableSnapTo(i: number): void {
    if (this.snapshot !== null && this.snapshot.metadata.index === i) this.snapshot = null;
  }

  restore(s: Snapshot): void {
    this.offset = s.metadata.index + 1;
    this.entries = [];
    this.shared = false;
    this.snapshot = s;
  }

  truncateAndAppend(ents: Entry[]): void {
    const after = ents[0]!.index;
    const len = this.entries.length;
    if (after === this.offset + len) {
      // The common case: directly append.
      if (this.shared) {
        this.entries = this.entries.slice();
        this.shared = false;
      }
      const es = this.entries;
      for (let i = 0; i < ents.length; i++) es.push(ents[i]!);
    } else if (after <= this.offset) {
      // Replace everything: the log is being truncated to before our offset.
      this.offset = after;
      this.entries = ents.slice();
      this.shared = false;
    } else {
      // Truncate to after-1 and append. A fresh array: a Ready may hold the old one.
      const kept = this.entries.slice(0, after - this.offset);
      for (let i = 0; i < ents.length; i++) kept.push(ents[i]!);
      this.entries = kept;
      this.shared = false;
    }
  }

  /** Entries [lo, hi) — the caller checked the bounds. */
  slice(lo: number, hi: number): Entry[] {
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}
