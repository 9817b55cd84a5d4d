// The contract between the consensus core and whoever drives it (the server, the
// simulator, the benchmarks). Shaped after etcd's raft.RawNode and raft.Storage.
import type {
  ConfChange,
  ConfState,
  Entry,
  HardState,
  Message,
  NodeId,
  Ready,
  Snapshot,
  SoftState,
  StateType,
} from './types.js';

/** Raised (thrown) by propose/proposeConfChange when no leader can take the proposal. */
export class ProposalDroppedError extends Error {
  constructor(message = 'raft proposal dropped') {
    super(message);
    this.name = 'ProposalDroppedError';
  }
}

/** Storage errors, as values the core recognises. */
export class CompactedError extends Error {
  constructor() {
    super('requested index is unavailable due to compaction');
    this.name = 'CompactedError';
  }
}

export class UnavailableError extends Error {
  constructor() {
    super('requested entry at index is unavailable');
    this.name = 'UnavailableError';
  }
}

export class SnapshotTemporarilyUnavailableError extends Error {
  constructor() {
    super('snapshot is temporarily unavailable');
    this.name = 'SnapshotTemporarilyUnavailableError';
  }
}

/** Read access to the stable (persisted) log. Synchronous: served from memory. */
export interface Storage {
  initialState(): { hardState: HardState; confState: ConfState };
  /** Entries [lo, hi), at most maxSize bytes of data but always at least one. */
  entries(lo: number, hi: number, maxSize: number): Entry[];
  term(index: number): number;
  lastIndex(): number;
  firstIndex(): number;
  snapshot(): Snapshot;
}

export interface Config {
  id: NodeId;
  /** Ticks without hearing from a leader before campaigning; randomized in [e, 2e). */
  electionTick: number;
  heartbeatTick: number;
  storage: Storage;
  /** Last applied index when restarting; entries up to it are not returned again. */
  applied: number;
  /** Max bytes of entry data per append message. */
  maxSizePerMsg: number;
  /** Max bytes of uncommitted entries the leader accepts (0 = unlimited). */
  maxUncommittedEntriesSize?: number;
  /** Max in-flight append messages per follower in replicate state. */
  maxInflightMsgs: number;
  checkQuorum: boolean;
  preVote: boolean;
  /** Seeded randomness in [0, 1): the core never calls Math.random(). */
  random: () => number;
  /** Test-only: deliberately broken rules, to prove the simulator catches them. */
  faults?: { countStaleVotes?: boolean };
}

/** The features etcd 2.0's raft lacks or mishandles, switched at runtime (Raft.setFeatures). */
export interface Features {
  preVote: boolean;
  checkQuorum: boolean;
  transfer: boolean;
  /** Followers may run etcd 2.0's raft (see Raft.legacyFollowers). */
  legacyFollowers?: boolean;
}

export interface Status {
  id: NodeId;
  hardState: HardState;
  softState: SoftState;
  applied: number;
  /** Leader only: per-follower match/next/state. */
  progress: Map<NodeId, { match: number; next: number; state: 'probe' | 'replicate' | 'snapshot' }>;
  leadTransferee: NodeId;
}

export interface PeerContext {
  id: NodeId;
  context: Uint8Array;
}

/** The driver's handle on one raft node. */
export interface RawNodeApi {
  /** Appends ConfChange(AddNode) entries for a brand-new cluster (first start only). */
  bootstrap(peers: PeerContext[]): void;
  tick(): void;
  campaign(): void;
  /**
   * Throws ProposalDroppedError when there is no leader or a transfer is under way.
   * Proposals (and ReadIndex requests) made before the next ready() share one append
   * (one heartbeat round) per follower: call ready() once per turn of the loop.
   */
  propose(data: Uint8Array): void;
  /** Several proposals in one message (RawNode has it; optional for other drivers' fakes). */
  proposeBatch?(datas: Uint8Array[]): void;
  proposeConfChange(cc: ConfChange): void;
  /** Returns the resulting ConfState; call when applying a committed ConfChange entry. */
  applyConfChange(cc: ConfChange): ConfState;
  step(m: Message): void;
  hasReady(): boolean;
  ready(): Ready;
  advance(rd: Ready): void;
  readIndex(ctx: Uint8Array): void;
  transferLeader(to: NodeId): void;
  reportUnreachable(id: NodeId): void;
  reportSnapshot(id: NodeId, ok: boolean): void;
  status(): Status;
  readonly state: StateType;
  readonly lead: NodeId;
  readonly term: number;
}
