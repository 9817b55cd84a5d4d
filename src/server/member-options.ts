// The member's options and what it needs from the peer transport.
import type { Logger } from '../pkg/logger.js';
import type { MemoryStorage } from '../raft/storage.js';
import type { HardState, Message, NodeId, Snapshot } from '../raft/types.js';
import type { Store } from '../store/store.js';
import type { Snapshotter } from '../snap/snapshotter.js';
import type { WAL } from '../wal/wal.js';
import type { MemberInfo } from './membership.js';
import type { Scheduler } from './scheduler.js';
import type { TransportSelfStats } from './stats.js';

/** What the member needs from the peer transport (src/peer's Transport has this shape). */
export interface PeerTransport {
  addPeer(id: NodeId, urls: string[]): void;
  updatePeer(id: NodeId, urls: string[]): void;
  removePeer(id: NodeId): void;
  send(msgs: Message[]): void;
  leaderStats(): unknown;
  selfStats?(): TransportSelfStats;
  /**
   * True when every peer is known to run this implementation (src/peer probes them); a
   * transport without it is taken to talk to ours only.
   */
  allPeersOurs?(): boolean;
  close(): void | Promise<void>;
}

export interface TransportHandlers {
  id: NodeId;
  clusterId: string;
  onMessage(m: Message): void;
  onUnreachable(id: NodeId): void;
  /** A dial to peer `id` was refused: nothing listens on its peer port. */
  onPeerRefused?(id: NodeId): void;
  onSnapshotStatus(id: NodeId, ok: boolean): void;
  /** A peer said this member was removed from the cluster. */
  onRemoved(): void;
  /** A peer answered with another cluster's ID. */
  onClusterConflict(remoteClusterId: string): void;
  /** The transport learnt which implementation a peer runs (see allPeersOurs). */
  onPeerKind?(id: NodeId, kind: string): void;
  /** GET /members on the peer URL (members joining learn the cluster from it). */
  membersJSON(): string;
}

export interface MemberOptions {
  name: string;
  dataDir: string;
  /** Milliseconds per raft tick (--heartbeat-interval). */
  heartbeatMs: number;
  /** --election-timeout / --heartbeat-interval. */
  electionTicks: number;
  snapshotCount: number;
  maxSnapshots: number;
  maxWals: number;
  /** This member's advertised client URLs. */
  clientUrls: string[];
  /** This member's advertised peer URLs. */
  peerUrls: string[];
  memberId: NodeId;
  clusterId: string;
  /** The initial cluster, this member included (first start of a new cluster only). */
  initialMembers: MemberInfo[];
  /** --initial-cluster-state new (bootstrap) or existing (join). */
  newCluster: boolean;
  /** --force-new-cluster: restart as a cluster of one, keeping the data. */
  forceNewCluster?: boolean;
  logger?: Logger;
  makeTransport?: (h: TransportHandlers) => PeerTransport;
  /** Called when this member has been removed from the cluster. */
  onRemoved?: () => void;
  /** Called after a fatal condition was logged (etcd exits 1 there). */
  onFatal?: () => void;
  requestTimeoutMs?: number;
  syncIntervalMs?: number;
  /** Raft log entries kept behind a snapshot for slow followers. */
  catchUpEntries?: number;
  /**
   * quorum=true GETs go through the log as QGET entries (Go etcd 2.0 members understand
   * only these) instead of ReadIndex.
   */
  quorumReadsViaLog?: boolean;
  /** Clock and timers; default: Node's. */
  scheduler?: Scheduler;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 5000;
export const DEFAULT_SYNC_INTERVAL_MS = 500;

/** etcd's ReqTimeout: 5 s plus two election timeouts. */
export function requestTimeoutMs(o: MemberOptions): number {
  return o.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS + 2 * o.heartbeatMs * o.electionTicks;
}

/** A member's durable state, opened (src/embed/storage.ts opens it). */
export interface OpenedStorage {
  /** True when this start created the WAL (no previous state). */
  fresh: boolean;
  wal: WAL;
  walDir: string;
  snapshotter: Snapshotter;
  storage: MemoryStorage;
  snapshot: Snapshot | null;
  /** The store the snapshot holds, when it was built as the file was read (its data is then not kept). */
  store: Store | null;
  hardState: HardState;
  memberId: string;
  clusterId: string;
}
