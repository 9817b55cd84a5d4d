// The data types of the consensus core, shaped after etcd's raftpb so that the rest of the
// system (WAL, snapshots, peer transport, server) shares one vocabulary. Node IDs are
// bigint-free: etcd's uint64 IDs are carried as lowercase hex strings everywhere outside
// the wire codec, because JavaScript numbers cannot hold 64 bits and string compares are
// cheap and monomorphic.

/** A member ID: 16 lowercase hex digits at most, no leading zeros (as etcd prints them). */
export type NodeId = string;

/** No node (no leader, no vote). */
export const NONE: NodeId = '';

export enum EntryType {
  Normal = 0,
  ConfChange = 1,
}

export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  /** Opaque to raft. An empty Normal entry is the leader's no-op of its term. */
  data: Uint8Array;
}

export interface HardState {
  term: number;
  vote: NodeId;
  commit: number;
}

export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
}

export interface SnapshotMetadata {
  confState: ConfState;
  index: number;
  term: number;
}

export interface Snapshot {
  data: Uint8Array;
  metadata: SnapshotMetadata;
}

export interface ConfChange {
  /** The proposer's id for this change, so the server can match it to its waiter. */
  id: string;
  type: ConfChangeType;
  nodeId: NodeId;
  /** Opaque to raft: the server puts the member's name and URLs here. */
  context: Uint8Array;
}

export enum ConfChangeType {
  AddNode = 0,
  RemoveNode = 1,
  UpdateNode = 2,
  AddLearnerNode = 3,
}

export enum MessageType {
  Hup = 0,
  Beat = 1,
  Prop = 2,
  App = 3,
  AppResp = 4,
  Vote = 5,
  VoteResp = 6,
  Snap = 7,
  Heartbeat = 8,
  HeartbeatResp = 9,
  Unreachable = 10,
  SnapStatus = 11,
  CheckQuorum = 12,
  TransferLeader = 13,
  TimeoutNow = 14,
  ReadIndex = 15,
  ReadIndexResp = 16,
  PreVote = 17,
  PreVoteResp = 18,
}

/** Message types that never leave a node (they are stepped locally). */
const LOCAL_MESSAGES: ReadonlySet<MessageType> = new Set([
  MessageType.Hup,
  MessageType.Beat,
  MessageType.Unreachable,
  MessageType.SnapStatus,
  MessageType.CheckQuorum,
]);

export function isLocalMessage(t: MessageType): boolean {
  return LOCAL_MESSAGES.has(t);
}

export interface Message {
  type: MessageType;
  to: NodeId;
  from: NodeId;
  term: number;
  /** Term of the entry at `index` (for App: the entry before `entries`). */
  logTerm: number;
  index: number;
  entries: Entry[];
  commit: number;
  snapshot: Snapshot | null;
  reject: boolean;
  rejectHint: number;
  /** ReadIndex request context, heartbeat context, or campaign type for transfers. */
  context: Uint8Array;
}

/** A node's role, in etcd's order (not on the wire; server/stats.ts names them by value). */
export enum StateType {
  Follower,
  Candidate,
  Leader,
  PreCandidate,
}

export interface SoftState {
  lead: NodeId;
  raftState: StateType;
}

export interface ReadState {
  index: number;
  requestCtx: Uint8Array;
}

/**
 * What the node asks its driver to do, in order: persist `entries`, `hardState` and
 * `snapshot` (one sync for all), send `messages` (a leader may send before its own sync),
 * apply `committedEntries`, then call `advance()`.
 */
export interface Ready {
  softState: SoftState | null;
  hardState: HardState | null;
  readStates: ReadState[];
  entries: Entry[];
  snapshot: Snapshot | null;
  committedEntries: Entry[];
  messages: Message[];
  /** Messages that must wait until this Ready's entries and hard state are synced. */
  mustSync: boolean;
}

export function emptyHardState(): HardState {
  return { term: 0, vote: NONE, commit: 0 };
}

export function isEmptyHardState(h: HardState): boolean {
  return h.term === 0 && h.vote === NONE && h.commit === 0;
}

export function emptySnapshot(): Snapshot {
  return {
    data: new Uint8Array(0),
    metadata: { confState: { voters: [], learners: [] }, index: 0, term: 0 },
  };
}

export function isEmptySnapshot(s: Snapshot | null): boolean {
  return s === null || s.metadata.index === 0;
}

export function newMessage(type: MessageType, to: NodeId, from: NodeId, term: number): Message {
  return {
    type,
    to,
    from,
    term,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    snapshot: null,
    reject: false,
    rejectHint: 0,
    context: EMPTY_BYTES,
  };
}

export const EMPTY_BYTES = new Uint8Array(0);
