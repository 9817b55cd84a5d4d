// What this member has applied: the v2 store, the membership, the applied index and raft
// configuration, and how far the WAL's commit index reaches. Applying entries and
// restoring from a snapshot change it; snapshots are taken of it.
import type { ConfState, Entry, HardState, Snapshot } from '../raft/types.js';
import type { V2Request } from '../store/request.js';
import { Store } from '../store/store.js';
import { type ApplyProgress, type ApplySink, type ApplyState, applyEntries } from './apply.js';
import { Membership } from './membership.js';
import { membersFromStore, STORE_NAMESPACES } from './membership-store.js';
import type { SnapshotSource } from './snapshotting.js';

export class AppliedState implements ApplyState, SnapshotSource {
  /** etcd 2.0's store: /0 holds the membership, /1 the keys. */
  store = new Store(undefined, undefined, STORE_NAMESPACES);
  membership = new Membership();
  applied = 0;
  confState: ConfState = { voters: [], learners: [] };
  /** The commit index last written to the WAL (a snapshot must not run ahead of it). */
  persistedCommit = 0;
  /** Requests proposed by this member, by their encoded bytes (the entry's data). */
  readonly localRequests = new WeakMap<Uint8Array, V2Request>();

  constructor(
    readonly selfId: string,
    /** raft's current hard state. */
    readonly hardState: () => HardState,
  ) {}

  /** Applies committed entries in order; throws FatalError on a broken one. */
  apply(ents: Entry[], sink: ApplySink, now: number): ApplyProgress {
    const p = applyEntries(this, sink, ents, this.applied, now);
    this.applied = p.applied;
    if (p.confState !== null) this.confState = p.confState;
    return p;
  }

  /**
   * Throws if the snapshot's data is not etcd 2.0's store JSON (nothing changed then).
   * `built`: the snapshot's store, made as its file was read (start-up only).
   */
  restore(snap: Snapshot, now: number, built: Store | null = null): void {
    // A running member keeps its store object (and its watcher hub, whose watchers are
    // closed as etcd's Recovery does); a restart builds a fresh one.
    if (this.applied > 0) this.store.recovery(snap.data);
    else this.store = built ?? Store.restore(snap.data, STORE_NAMESPACES);
    // As etcd's Cluster.Recover / NewClusterFromStore (whose reads the store counts).
    this.membership = Membership.fromStore(membersFromStore(this.store, now));
    this.applied = snap.metadata.index;
    this.confState = snap.metadata.confState;
  }
}
