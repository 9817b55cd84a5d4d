// One etcd member: drives raft (tick → Ready → WAL sync → send → apply → Advance), keeps
// proposals' waiters, serves reads, and owns the store, the WAL and the snapshots.
//
// The loop processes one Ready at a time, asynchronously. Proposals that arrive while a
// WAL sync is in flight go into raft's unstable log and come out together in the next
// Ready: one write and one fdatasync for the whole batch (group commit). Nothing is
// acknowledged before the entry carrying it has been synced and applied.
import { mkdirSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KeysBackend } from '../api/backend.js';
import { ApiError } from '../api/server-api.js';
import { computeMemberId } from '../pkg/ids.js';
import { type DirLock, checkWritable, lockDir } from '../pkg/fileutil.js';
import { type Logger, log as defaultLog } from '../pkg/logger.js';
import { decodeConfChange } from '../raft/codec.js';
import { ProposalDroppedError } from '../raft/interface.js';
import { RawNode } from '../raft/rawnode.js';
import type { MemoryStorage } from '../raft/storage.js';
import {
  type ConfChange,
  ConfChangeType,
  type ConfState,
  type Entry,
  EMPTY_BYTES,
  EntryType,
  isEmptySnapshot,
  type Message,
  MessageType,
  NONE,
  type NodeId,
  type ReadState,
  type Ready,
  type Snapshot,
  type SoftState,
  StateType,
} from '../raft/types.js';
import type { Snapshotter } from '../snap/snapshotter.js';
import { EtcdError, raftInternal } from '../store/errors.js';
import type { StoreEvent } from '../store/event.js';
import {
  applyRequest,
  decodeRequest,
  encodeRequest,
  newRequest,
  type V2Request,
} from '../store/request.js';
import { Store } from '../store/store.js';
import { purgeWals } from '../wal/purge.js';
import type { WAL } from '../wal/wal.js';
import { conflictingClusterIdMessage } from './cluster.js';
import { collectGarbage } from './gc.js';
import { formatGoDuration, formatGoTime, GO_MAX_DURATION, GO_ZERO_TIME } from './go-format.js';
import {
  decodeMemberContext,
  encodeMemberContext,
  peerMembersJSON,
  type MemberInfo,
  Membership,
} from './membership.js';
import { MemberMetrics } from './metrics.js';
import { RequestIds } from './request.js';
import { decodeSnapshotData, encodeSnapshotData } from './snapshot-data.js';
import { openStorage } from './storage-bootstrap.js';
import { serverVersion } from './version.js';
import { Wait } from './wait.js';

/** What the member needs from the peer transport (src/peer's Transport has this shape). */
export interface PeerTransport {
  addPeer(id: NodeId, urls: string[]): void;
  updatePeer(id: NodeId, urls: string[]): void;
  removePeer(id: NodeId): void;
  send(msgs: Message[]): void;
  leaderStats(): unknown;
  selfStats?(): {
    recvAppendRequestCnt: number;
    recvPkgRate?: number;
    recvBandwidthRate?: number;
    sendAppendRequestCnt: number;
    sendPkgRate?: number;
    sendBandwidthRate?: number;
  };
  close(): void | Promise<void>;
}

export interface TransportHandlers {
  id: NodeId;
  clusterId: string;
  onMessage(m: Message): void;
  onUnreachable(id: NodeId): void;
  onSnapshotStatus(id: NodeId, ok: boolean): void;
  /** A peer said this member was removed from the cluster. */
  onRemoved(): void;
  /** A peer answered with another cluster's ID. */
  onClusterConflict(remoteClusterId: string): void;
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
}

const STATE_NAMES = ['StateFollower', 'StateCandidate', 'StateLeader', 'StatePreCandidate'];
const DEFAULT_REQUEST_TIMEOUT_MS = 5000;
const DEFAULT_SYNC_INTERVAL_MS = 500;
const DEFAULT_CATCH_UP_ENTRIES = 5000;
/** Proposals waiting for a leader; beyond this they fail at once. */
const MAX_QUEUED_PROPOSALS = 100_000;
const MAX_SIZE_PER_MSG = 1024 * 1024;
const MAX_INFLIGHT_MSGS = 256;

const timeoutError = (): EtcdError => raftInternal('etcdserver: request timed out');
const stoppedError = (): EtcdError => raftInternal('etcdserver: server stopped');

interface QueuedProposal {
  id: string;
  data: Uint8Array;
}

interface PendingRead {
  r: V2Request;
  resolve: (e: StoreEvent) => void;
  reject: (e: Error) => void;
  deadline: number;
}

interface ReadBatch {
  key: string;
  reads: PendingRead[];
  issuedAt: number;
  /** Set when raft answered: the commit index the reads must wait for. */
  index: number;
}

export class Member implements KeysBackend {
  readonly name: string;
  readonly id: NodeId;
  readonly cid: string;
  readonly metrics = new MemberMetrics();
  readonly startTime = Date.now();
  readonly clientUrls: string[];
  readonly peerUrls: string[];

  store: Store;
  membership: Membership;
  private readonly node: RawNode;
  private readonly storage: MemoryStorage;
  private readonly wal: WAL;
  private readonly snapshotter: Snapshotter;
  private readonly lock: DirLock;
  private readonly log: Logger;
  private readonly opts: MemberOptions;
  private readonly walDir: string;
  private transport: PeerTransport | null = null;

  private readonly wait = new Wait<unknown>();
  /** Requests proposed by this member, by their encoded bytes (the entry's data). */
  private readonly localRequests = new WeakMap<Uint8Array, V2Request>();
  private readonly ids: RequestIds;
  private readonly requestTimeoutMs: number;
  private readonly syncIntervalMs: number;
  private readonly catchUpEntries: number;

  private applied = 0;
  private appliedTerm = 0;
  private snapshotIndex = 0;
  private confState: ConfState = { voters: [], learners: [] };
  /** The commit index last written to the WAL (a snapshot must not run ahead of it). */
  private persistedCommit = 0;

  private ticker: NodeJS.Timeout | null = null;
  private loopScheduled = false;
  private inReady = false;
  private stopping = false;
  private stopped = false;
  private fatal: Error | null = null;
  private idleWaiters: (() => void)[] = [];

  private lead: NodeId = NONE;
  private raftState: StateType = StateType.Follower;
  private leaderSince = 0;
  private leaderSincePerf = 0;
  private lastSync = 0;
  private published = false;
  private campaignIfAlone = true;
  private publishing = false;
  private queued: QueuedProposal[] = [];
  private propBuf: Uint8Array[] = [];
  private propIds: string[] = [];

  private pendingReads: PendingRead[] = [];
  /** Set once this member has seen a leader of its cluster (see clusterConflict). */
  private hadLeader = false;
  private readBatch: ReadBatch | null = null;
  private readSeq = 0;

  private recvAppendCnt = 0;
  private sendAppendCnt = 0;

  private constructor(
    opts: MemberOptions,
    parts: Awaited<ReturnType<typeof openStorage>>,
    lock: DirLock,
  ) {
    this.opts = opts;
    this.name = opts.name;
    this.log = opts.logger ?? defaultLog;
    this.id = parts.memberId;
    this.cid = parts.clusterId;
    this.clientUrls = [...opts.clientUrls];
    this.peerUrls = [...opts.peerUrls];
    // etcd's ReqTimeout: 5 s plus two election timeouts.
    this.requestTimeoutMs =
      opts.requestTimeoutMs ??
      DEFAULT_REQUEST_TIMEOUT_MS + 2 * opts.heartbeatMs * opts.electionTicks;
    this.syncIntervalMs = opts.syncIntervalMs ?? DEFAULT_SYNC_INTERVAL_MS;
    this.catchUpEntries = opts.catchUpEntries ?? DEFAULT_CATCH_UP_ENTRIES;
    this.lock = lock;
    this.wal = parts.wal;
    this.walDir = parts.walDir;
    this.snapshotter = parts.snapshotter;
    this.storage = parts.storage;
    this.ids = new RequestIds(this.id, Date.now());
    this.store = new Store();
    this.membership = new Membership();
    const snap = parts.snapshot;
    if (snap !== null && !isEmptySnapshot(snap)) {
      this.restoreState(snap);
    }
    this.persistedCommit = parts.hardState.commit;
    this.node = new RawNode({
      id: this.id,
      electionTick: opts.electionTicks,
      heartbeatTick: 1,
      storage: this.storage,
      applied: this.applied,
      maxSizePerMsg: MAX_SIZE_PER_MSG,
      maxInflightMsgs: MAX_INFLIGHT_MSGS,
      checkQuorum: true,
      preVote: true,
      random: seededRandom(this.id),
    });
    if (parts.fresh && opts.newCluster) {
      this.node.bootstrap(
        opts.initialMembers.map((m) => ({ id: m.id, context: encodeMemberContext(m) })),
      );
      for (const m of opts.initialMembers) this.membership.add(m);
    } else if (parts.fresh) {
      // Joining a running cluster: know its members (so the transport can answer the
      // leader) until the log or a snapshot brings the authoritative membership.
      for (const m of opts.initialMembers) this.membership.add(m);
    }
    this.metrics.addGauges({
      hasLeader: () => (this.lead === NONE ? 0 : 1),
      isLeader: () => (this.raftState === StateType.Leader ? 1 : 0),
      term: () => this.node.term,
      pending: () => this.wait.size,
      committed: () => this.node.status().hardState.commit,
      applied: () => this.applied,
    });
  }

  /** Opens (or creates) the data dir, replays the WAL and starts the raft loop. */
  static async start(opts: MemberOptions): Promise<Member> {
    const lock = prepareDataDir(opts.dataDir);
    let parts: Awaited<ReturnType<typeof openStorage>>;
    try {
      parts = await openStorage(
        opts.dataDir,
        opts.memberId,
        opts.clusterId,
        opts.forceNewCluster === true,
        { name: opts.name, peerURLs: opts.peerUrls, clientURLs: [] },
      );
    } catch (e) {
      lock.release();
      throw e;
    }
    const m = new Member(opts, parts, lock);
    m.begin();
    return m;
  }

  private begin(): void {
    if (this.opts.makeTransport) {
      this.transport = this.opts.makeTransport({
        id: this.id,
        clusterId: this.cid,
        onMessage: (msg) => this.receive(msg),
        onUnreachable: (id) => this.node.reportUnreachable(id),
        onSnapshotStatus: (id, ok) => this.node.reportSnapshot(id, ok),
        onRemoved: () => this.removedFromCluster(),
        onClusterConflict: (remote) => this.clusterConflict(remote),
        membersJSON: () => peerMembersJSON(this.membership.list()),
      });
      this.syncTransportPeers();
    }
    this.ticker = setInterval(() => this.tick(), this.opts.heartbeatMs);
    this.schedule();
  }

  // ---- KeysBackend -------------------------------------------------------------------

  do(r: V2Request): Promise<StoreEvent> {
    if (r.method === 'GET') {
      if (r.quorum) return this.linearizableRead(r);
      try {
        return Promise.resolve(applyRequest(this.store, r, Date.now()));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return this.proposeRequest(r) as Promise<StoreEvent>;
  }

  watch(path: string, recursive: boolean, stream: boolean, since: number) {
    return this.store.watch(path, recursive, stream, since);
  }

  storeIndex(): number {
    return this.store.index;
  }

  raftIndex(): number {
    return this.applied;
  }

  raftTerm(): number {
    return this.node.term;
  }

  clusterId(): string {
    return this.cid;
  }

  now(): number {
    return Date.now();
  }

  // ---- Proposals ---------------------------------------------------------------------

  private proposeRequest(r: V2Request): Promise<unknown> {
    if (this.stopping) return Promise.reject(stoppedError());
    if (this.fatal !== null) return Promise.reject(raftInternal(this.fatal.message));
    r.id = this.ids.next();
    const p = this.wait.register(r.id, Date.now() + this.requestTimeoutMs);
    const data = encodeRequest(r);
    this.localRequests.set(data, r);
    this.propose(r.id, data);
    return p;
  }

  private propose(id: string, data: Uint8Array): void {
    if (this.lead === NONE || this.queued.length > 0) {
      this.enqueue(id, data);
      return;
    }
    // Buffered until the loop's next turn: one raft message (and, on a follower, one
    // forward to the leader) for every proposal of this turn.
    this.propBuf.push(data);
    this.propIds.push(id);
    this.schedule();
  }

  private flushProposals(): void {
    if (this.propBuf.length === 0) return;
    const datas = this.propBuf;
    const ids = this.propIds;
    this.propBuf = [];
    this.propIds = [];
    try {
      this.node.proposeBatch(datas);
    } catch (e) {
      if (!(e instanceof ProposalDroppedError)) throw e;
      for (let i = 0; i < datas.length; i++) this.enqueue(ids[i]!, datas[i]!);
    }
  }

  private enqueue(id: string, data: Uint8Array): void {
    if (this.queued.length >= MAX_QUEUED_PROPOSALS) {
      this.metrics.proposalsFailed.inc();
      this.wait.fail(id, raftInternal('raft proposal dropped'));
      return;
    }
    this.queued.push({ id, data });
  }

  /** Proposes what waited for a leader, skipping requests that already timed out. */
  private flushQueued(): void {
    if (this.lead === NONE || this.queued.length === 0) return;
    const q = this.queued;
    this.queued = [];
    for (let i = 0; i < q.length; i++) {
      const p = q[i]!;
      if (p.id !== '' && !this.wait.has(p.id)) continue;
      try {
        this.node.propose(p.data);
      } catch (e) {
        if (!(e instanceof ProposalDroppedError)) throw e;
        this.queued = q.slice(i).concat(this.queued);
        break;
      }
    }
    this.schedule();
  }

  /** Proposes a membership change; resolves with the membership once applied. */
  proposeConfChange(type: ConfChangeType, m: MemberInfo): Promise<Membership> {
    if (this.stopping) return Promise.reject(stoppedError());
    const id = this.ids.next();
    const cc: ConfChange = {
      id,
      type,
      nodeId: m.id,
      context: encodeMemberContext(m),
    };
    const p = this.wait.register(id, Date.now() + this.requestTimeoutMs);
    try {
      this.node.proposeConfChange(cc);
    } catch (e) {
      this.wait.fail(id, e instanceof ProposalDroppedError ? timeoutError() : (e as Error));
    }
    this.schedule();
    return p as Promise<Membership>;
  }

  // ---- Reads -------------------------------------------------------------------------

  /** quorum=true: ReadIndex, then wait until applied reaches it, then read locally. */
  private linearizableRead(r: V2Request): Promise<StoreEvent> {
    if (this.stopping) return Promise.reject(stoppedError());
    return new Promise<StoreEvent>((resolve, reject) => {
      this.pendingReads.push({ r, resolve, reject, deadline: Date.now() + this.requestTimeoutMs });
      if (this.readBatch === null) this.issueReadIndex();
    });
  }

  private issueReadIndex(): void {
    if (this.pendingReads.length === 0 || this.lead === NONE) return;
    const reads = this.pendingReads;
    this.pendingReads = [];
    this.startReadBatch(reads);
  }

  private startReadBatch(reads: PendingRead[]): void {
    const ctx = Buffer.allocUnsafe(8);
    ctx.writeDoubleBE(++this.readSeq, 0);
    this.readBatch = { key: ctx.toString('latin1'), reads, issuedAt: Date.now(), index: -1 };
    this.node.readIndex(ctx);
    this.schedule();
  }

  private onReadStates(states: ReadState[]): void {
    const b = this.readBatch;
    if (b === null) return;
    for (const rs of states) {
      const c = rs.requestCtx;
      if (Buffer.from(c.buffer, c.byteOffset, c.byteLength).toString('latin1') === b.key) {
        b.index = rs.index;
      }
    }
    this.serveReadsIfApplied();
  }

  private serveReadsIfApplied(): void {
    const b = this.readBatch;
    if (b === null || b.index < 0 || this.applied < b.index) return;
    this.readBatch = null;
    const now = Date.now();
    for (const pr of b.reads) {
      try {
        pr.resolve(applyRequest(this.store, pr.r, now));
      } catch (e) {
        pr.reject(e as Error);
      }
    }
    this.issueReadIndex();
  }

  /** Retries a ReadIndex raft dropped (no leader yet, or no commit in its term yet). */
  private checkReads(now: number): void {
    const b = this.readBatch;
    if (b !== null) {
      const live = b.reads.filter((pr) => {
        if (pr.deadline > now) return true;
        pr.reject(timeoutError());
        return false;
      });
      if (live.length === 0) {
        this.readBatch = null;
      } else if (b.index < 0 && now - b.issuedAt >= this.opts.heartbeatMs * 2) {
        this.readBatch = null;
        if (this.lead === NONE) this.pendingReads = live.concat(this.pendingReads);
        else this.startReadBatch(live);
      } else {
        b.reads = live;
      }
    }
    if (this.pendingReads.length > 0) {
      this.pendingReads = this.pendingReads.filter((pr) => {
        if (pr.deadline > now) return true;
        pr.reject(timeoutError());
        return false;
      });
      if (this.readBatch === null) this.issueReadIndex();
    }
  }

  // ---- The raft loop -----------------------------------------------------------------

  /** A message from a peer (the transport calls this). */
  receive(m: Message): void {
    if (this.stopped) return;
    if (m.type === MessageType.App) this.recvAppendCnt++;
    try {
      this.node.step(m);
    } catch (e) {
      this.log.warn(`etcdserver: error stepping message: ${(e as Error).message}`);
    }
    this.schedule();
  }

  private tick(): void {
    if (this.stopped) return;
    this.node.tick();
    const now = Date.now();
    this.wait.expire(now, timeoutError);
    this.checkReads(now);
    if (this.queued.length > 0) this.flushQueued();
    if (this.raftState === StateType.Leader && now - this.lastSync >= this.syncIntervalMs) {
      this.lastSync = now;
      this.proposeSync(now);
    }
    if (!this.published && !this.publishing && this.lead !== NONE && !this.stopping) {
      this.publish();
    }
    this.schedule();
  }

  /** TTL expiry is a log entry: every member deletes what expired at the leader's time. */
  private proposeSync(now: number): void {
    if (this.stopping) return;
    const r = newRequest('SYNC', '/');
    r.time = now;
    r.id = this.ids.next();
    try {
      this.node.propose(encodeRequest(r));
    } catch (e) {
      if (!(e instanceof ProposalDroppedError)) throw e;
    }
  }

  /** Makes this member's name and client URLs known to the cluster (etcd's publish). */
  private publish(): void {
    // Always through the log, even when the local view already has these attributes: the
    // other members learn this member's client URLs only from the entry.
    const r = newRequest('PUT', `/0/members/${this.id}/attributes`);
    r.val = JSON.stringify({ name: this.name, clientURLs: this.clientUrls });
    this.publishing = true;
    this.proposeRequest(r).then(
      () => {
        this.publishing = false;
        this.published = true;
        this.log.info(
          `etcdserver: published {Name:${this.name} ClientURLs:[${this.clientUrls.join(' ')}]} to cluster ${this.cid}`,
        );
      },
      () => {
        this.publishing = false;
      },
    );
  }

  private schedule(): void {
    if (this.loopScheduled || this.inReady || this.stopped) return;
    this.loopScheduled = true;
    setImmediate(this.runLoop);
  }

  private readonly runLoop = (): void => {
    this.loopScheduled = false;
    if (this.inReady || this.stopped || this.fatal !== null) return;
    this.flushProposals();
    if (!this.node.hasReady()) {
      this.notifyIdle();
      return;
    }
    this.inReady = true;
    this.processReady(this.node.ready()).then(this.afterReady, this.onFatal);
  };

  private readonly afterReady = (): void => {
    this.inReady = false;
    if (this.campaignIfAlone) this.maybeCampaignAlone();
    if (this.propBuf.length > 0 || this.node.hasReady()) this.schedule();
    else this.notifyIdle();
  };

  private readonly onFatal = (e: unknown): void => {
    this.inReady = false;
    this.fatal = e as Error;
    this.log.error(`etcdserver: fatal error in the raft loop: ${(e as Error).stack ?? e}`);
    this.wait.failAll(() => raftInternal((e as Error).message));
    this.notifyIdle();
  };

  private notifyIdle(): void {
    if (this.idleWaiters.length === 0) return;
    const ws = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of ws) w();
  }

  /**
   * Processes Readys until raft has none. Pipelined: once a Ready is durable and advanced,
   * the next Ready's WAL write is started before the previous one's committed entries are
   * applied (and their clients answered), so the disk syncs the next batch while the CPU
   * answers the last one. Entries are applied only after the Ready that carried them is
   * durable, and always in order.
   */
  private async processReady(first: Ready): Promise<void> {
    let rd: Ready | null = first;
    let pending: Entry[] | null = null;
    let pendingReads: ReadState[] | null = null;
    while (rd !== null) {
      if (rd.softState !== null) this.onSoftState(rd.softState);
      const isLeader = this.raftState === StateType.Leader;
      // The leader may send before its own sync (raft thesis 10.2.1); followers after.
      if (isLeader && rd.messages.length > 0) this.send(rd.messages);

      const snap = rd.snapshot;
      const hasSnap = snap !== null && !isEmptySnapshot(snap);
      if (hasSnap) {
        if (pending !== null || pendingReads !== null) {
          this.applyPending(pending, pendingReads);
          pending = pendingReads = null;
        }
        // File first, then the WAL marker: a marker never points at a missing file.
        await this.snapshotter.save(snap);
        await this.wal.saveSnapshot({ index: snap.metadata.index, term: snap.metadata.term });
      }
      let saving: Promise<void> | null = null;
      const t0 = performance.now();
      if (rd.entries.length > 0 || (rd.hardState !== null && rd.mustSync)) {
        saving = this.wal.save(rd.hardState, rd.entries);
      }
      // While this Ready syncs, apply the previous one's committed entries.
      if (pending !== null || pendingReads !== null) {
        this.applyPending(pending, pendingReads);
        pending = pendingReads = null;
      }
      if (saving !== null) {
        await saving;
        this.metrics.walFsync.observe((performance.now() - t0) / 1000);
        if (rd.hardState !== null) this.persistedCommit = rd.hardState.commit;
      }
      if (hasSnap) {
        this.storage.applySnapshot(snap);
        this.restoreState(snap);
        this.log.info(
          `etcdserver: recovered from incoming snapshot at index ${snap.metadata.index}`,
        );
        this.syncTransportPeers();
      }
      if (rd.hardState !== null) this.storage.setHardState(rd.hardState);
      if (rd.entries.length > 0) this.storage.append(rd.entries);
      if (!isLeader && rd.messages.length > 0) this.send(rd.messages);

      if (rd.committedEntries.length > 0) pending = rd.committedEntries;
      if (rd.readStates.length > 0) pendingReads = rd.readStates;
      this.node.advance(rd);
      // Go on only if this round waited for the disk (the event loop ran meanwhile).
      if (saving !== null && !this.stopped) this.flushProposals();
      rd = saving !== null && !this.stopped && this.node.hasReady() ? this.node.ready() : null;
    }
    this.applyPending(pending, pendingReads);
    if (this.applied - this.snapshotIndex >= this.opts.snapshotCount) {
      await this.takeSnapshot();
      // Here, not inside takeSnapshot: its store-sized buffers are unreachable only now.
      collectGarbage();
    }
  }

  private applyPending(ents: Entry[] | null, reads: ReadState[] | null): void {
    if (ents !== null) this.applyEntries(ents);
    if (reads !== null) this.onReadStates(reads);
    else if (this.readBatch !== null) this.serveReadsIfApplied();
  }

  /**
   * A cluster of one has nobody to wait for: campaign as soon as the configuration is
   * applied rather than after an election timeout (etcd fast-forwards its ticks too).
   */
  private maybeCampaignAlone(): void {
    if (this.lead !== NONE || this.stopping) {
      this.campaignIfAlone = false;
      return;
    }
    const v = this.confState.voters;
    if (v.length === 1 && v[0] === this.id && this.applied >= this.node.status().hardState.commit) {
      this.campaignIfAlone = false;
      this.node.campaign();
    }
  }

  private onSoftState(ss: SoftState): void {
    if (ss.lead !== NONE) this.hadLeader = true;
    if (ss.lead !== this.lead) {
      if (ss.lead !== NONE) {
        this.metrics.leaderChanges.inc();
        if (this.lead === NONE) {
          this.log.info(
            `raft: raft.node: ${this.id} elected leader ${ss.lead} at term ${this.node.term}`,
          );
        } else {
          this.log.info(
            `raft: raft.node: ${this.id} changed leader from ${this.lead} to ${ss.lead} at term ${this.node.term}`,
          );
        }
      } else {
        this.log.info(
          `raft: raft.node: ${this.id} lost leader ${this.lead} at term ${this.node.term}`,
        );
      }
    }
    const wasLeader = this.raftState === StateType.Leader;
    // leaderInfo.startTime: since when this member follows (or is) the current leader.
    if (ss.lead !== NONE && ss.lead !== this.lead) {
      this.leaderSince = Date.now();
      this.leaderSincePerf = performance.now();
    }
    this.lead = ss.lead;
    this.raftState = ss.raftState;
    if (ss.raftState === StateType.Leader && !wasLeader) {
      this.leaderSince = Date.now();
      this.leaderSincePerf = performance.now();
      this.lastSync = 0;
    }
    if (this.lead !== NONE) {
      if (!this.published && !this.publishing && !this.stopping) {
        setImmediate(() => {
          if (!this.published && !this.publishing && !this.stopping) this.publish();
        });
      }
      if (this.queued.length > 0) setImmediate(() => this.flushQueued());
      if (this.readBatch === null && this.pendingReads.length > 0) {
        setImmediate(() => {
          if (this.readBatch === null) this.issueReadIndex();
        });
      }
    }
  }

  private send(msgs: Message[]): void {
    for (let i = 0; i < msgs.length; i++) {
      if (msgs[i]!.type === MessageType.App) this.sendAppendCnt++;
    }
    if (this.transport !== null) this.transport.send(msgs);
  }

  // ---- Apply -------------------------------------------------------------------------

  private applyEntries(ents: Entry[]): void {
    const now = Date.now();
    let normal = 0;
    for (let i = 0; i < ents.length; i++) {
      const e = ents[i]!;
      if (e.index <= this.applied) continue;
      if (e.type === EntryType.ConfChange) {
        this.applyConfChange(e);
      } else if (e.data.length > 0) {
        this.applyNormal(e, now);
        normal++;
      }
      this.applied = e.index;
      this.appliedTerm = e.term;
    }
    if (this.applied > 0) this.ensureSnapshotData();
    this.metrics.proposalsCommitted.inc('', normal);
    this.metrics.proposalsApplied.inc('', normal);
  }

  private applyNormal(e: Entry, now: number): void {
    // An entry proposed here carries the very bytes proposed: skip decoding them.
    let r = this.localRequests.get(e.data);
    if (r === undefined) {
      try {
        r = decodeRequest(e.data);
      } catch (err) {
        this.log.error(`etcdserver: cannot decode entry ${e.index}: ${(err as Error).message}`);
        return;
      }
    }
    if (r.method === 'PUT' && r.path.startsWith('/0/members/')) {
      this.applyAttributes(r);
      this.wait.trigger(r.id, null);
      return;
    }
    let result: StoreEvent;
    try {
      result = applyRequest(this.store, r, now);
    } catch (err) {
      if (err instanceof EtcdError) {
        this.wait.fail(r.id, err);
        return;
      }
      throw err;
    }
    this.wait.trigger(r.id, result);
  }

  private applyAttributes(r: V2Request): void {
    const m = /^\/0\/members\/([0-9a-f]+)\/attributes$/.exec(r.path);
    if (m === null) return;
    try {
      const a = JSON.parse(r.val) as { name?: string; clientURLs?: string[] };
      this.membership.setAttributes(m[1]!, String(a.name ?? ''), a.clientURLs ?? []);
    } catch {
      // a malformed attributes entry changes nothing
    }
  }

  private applyConfChange(e: Entry): void {
    const cc = decodeConfChange(e.data);
    this.confState = this.node.applyConfChange(cc);
    const info = decodeMemberContext(cc.context);
    switch (cc.type) {
      case ConfChangeType.AddNode:
      case ConfChangeType.AddLearnerNode:
        if (info !== null && !this.membership.removed.has(cc.nodeId)) {
          this.membership.add({ ...info, id: cc.nodeId });
          if (this.transport !== null && cc.nodeId !== this.id) {
            this.transport.addPeer(cc.nodeId, info.peerURLs);
          }
        }
        break;
      case ConfChangeType.RemoveNode:
        this.membership.remove(cc.nodeId);
        if (cc.nodeId === this.id) {
          this.removedFromCluster();
        } else if (this.transport !== null) {
          this.transport.removePeer(cc.nodeId);
        }
        break;
      case ConfChangeType.UpdateNode:
        if (info !== null) {
          this.membership.updatePeerURLs(cc.nodeId, info.peerURLs);
          if (this.transport !== null && cc.nodeId !== this.id) {
            this.transport.updatePeer(cc.nodeId, info.peerURLs);
          }
        }
        break;
    }
    this.wait.trigger(cc.id, this.membership);
  }

  private removedNotified = false;

  /** etcd 2's rafthttp: a peer of another cluster is fatal (this member is misconfigured). */
  private clusterConflict(remote: string): void {
    // Only a member that never found its cluster is the misconfigured one. A member that
    // has had a leader keeps serving (the transport logs the refusal); otherwise a
    // misconfigured newcomer answering 412 first would take healthy members down.
    if (this.hadLeader) return;
    this.log.error(`etcd: ${conflictingClusterIdMessage(remote, this.cid)}`);
    if (this.opts.onFatal) setImmediate(this.opts.onFatal);
  }

  private removedFromCluster(): void {
    if (this.removedNotified) return;
    this.removedNotified = true;
    this.log.info('etcd: this member has been permanently removed from the cluster. Exiting.');
    if (this.opts.onRemoved) setImmediate(this.opts.onRemoved);
  }

  // ---- Snapshots ---------------------------------------------------------------------

  private restoreState(snap: Snapshot): void {
    const d = decodeSnapshotData(snap.data);
    // A running member keeps its store object (and its watcher hub, whose watchers are
    // closed as etcd's Recovery does); a restart builds a fresh one.
    if (this.applied > 0) this.store.recovery(d.store);
    else this.store = Store.restore(d.store);
    this.membership = d.members;
    this.applied = snap.metadata.index;
    this.appliedTerm = snap.metadata.term;
    this.snapshotIndex = snap.metadata.index;
    this.confState = snap.metadata.confState;
  }

  /**
   * Once the cluster has more than one member, the in-memory snapshot must carry its data
   * (a follower may need it): a snapshot without data is replaced by a fresh one.
   */
  private ensureSnapshotData(): void {
    const cs = this.confState;
    if (cs.voters.length + cs.learners.length <= 1) return;
    const cur = this.storage.snapshot();
    if (cur.metadata.index === 0 || cur.data.length > 0) return;
    if (this.applied <= cur.metadata.index) return;
    const data = encodeSnapshotData(this.membership, this.store.save());
    this.storage.createSnapshot(this.applied, this.confState, data);
  }

  private syncTransportPeers(): void {
    if (this.transport === null) return;
    for (const m of this.membership.list()) {
      if (m.id !== this.id) this.transport.addPeer(m.id, m.peerURLs);
    }
    // Removed members (from a snapshot: their RemoveNode may be compacted away) are
    // answered 410, so they learn they were removed rather than retrying for ever.
    for (const id of this.membership.removed) this.transport.removePeer(id);
  }

  private async takeSnapshot(): Promise<void> {
    const t0 = performance.now();
    const index = this.applied;
    if (this.persistedCommit < index) {
      // The WAL's hard state must cover the snapshot, or a restart could not load it.
      const hs = this.node.status().hardState;
      await this.wal.save({ term: hs.term, vote: hs.vote, commit: index }, []);
      this.persistedCommit = index;
    }
    const data = encodeSnapshotData(this.membership, this.store.save());
    // Alone, nobody will ever be sent this snapshot: memory keeps only its metadata.
    const keep = this.confState.voters.length + this.confState.learners.length > 1;
    const snap = this.storage.createSnapshot(index, this.confState, keep ? data : EMPTY_BYTES);
    await this.snapshotter.save({ data, metadata: snap.metadata });
    await this.wal.saveSnapshot({ index, term: snap.metadata.term });
    this.snapshotIndex = index;
    // Entries kept behind the snapshot are for slow followers; alone, there are none.
    const compactTo = keep ? index - this.catchUpEntries : index;
    if (compactTo > this.storage.firstIndex()) this.storage.compact(compactTo);
    this.log.info(`etcdserver: saved snapshot at index ${index}`);
    this.metrics.snapshotSave.observe((performance.now() - t0) / 1000);
    await this.purge(index);
  }

  private async purge(upTo: number): Promise<void> {
    try {
      if (this.opts.maxSnapshots > 0) await this.snapshotter.purge(this.opts.maxSnapshots);
      if (this.opts.maxWals > 0) await purgeWalsAt(this.walDir, this.opts.maxWals, upTo);
    } catch (e) {
      this.log.warn(`etcdserver: failed to purge old files: ${(e as Error).message}`);
    }
  }

  // ---- Stats -------------------------------------------------------------------------

  isLeader(): boolean {
    return this.raftState === StateType.Leader;
  }

  leader(): NodeId {
    return this.lead;
  }

  appliedIndex(): number {
    return this.applied;
  }

  /** /v2/stats/self, as etcd's ServerStats JSON. */
  selfStatsJSON(): string {
    const leaderInfo = {
      leader: this.lead,
      uptime:
        this.leaderSince > 0
          ? formatGoDuration((performance.now() - this.leaderSincePerf) * 1e6)
          : GO_MAX_DURATION,
      startTime: this.leaderSince > 0 ? formatGoTime(this.leaderSince) : GO_ZERO_TIME,
    };
    const t = this.transport?.selfStats?.();
    return JSON.stringify({
      name: this.name,
      id: this.id,
      state: STATE_NAMES[this.raftState] ?? 'StateFollower',
      startTime: formatGoTime(this.startTime),
      leaderInfo,
      ...(t ?? {
        recvAppendRequestCnt: this.recvAppendCnt,
        sendAppendRequestCnt: this.sendAppendCnt,
      }),
    });
  }

  /** /v2/stats/leader, or null when this member is not the leader. */
  leaderStatsJSON(): string | null {
    if (this.raftState !== StateType.Leader) return null;
    const followers = this.transport !== null ? (this.transport.leaderStats() ?? {}) : {};
    const f =
      typeof followers === 'object' && followers !== null && 'followers' in followers
        ? (followers as { followers: unknown }).followers
        : followers;
    return JSON.stringify({ leader: this.id, followers: f });
  }

  storeStatsJSON(): string {
    return JSON.stringify(this.store.statsJSON());
  }

  /** The transport, for the peer listener (null for a member without peers). */
  peerTransport(): PeerTransport | null {
    return this.transport;
  }

  // ---- Members API ------------------------------------------------------------------

  members(): MemberInfo[] {
    return this.membership.list();
  }

  /** Adds a member (POST /v2/members): its ID from its peer URLs and the time, as etcd. */
  async addMember(peerURLs: string[]): Promise<MemberInfo> {
    const id = computeMemberId(peerURLs, '', Date.now());
    if (this.membership.removed.has(id)) throw new ApiError(409, 'membership: ID removed');
    if (this.membership.has(id)) throw new ApiError(409, 'membership: ID exists');
    for (const m of this.membership.list()) {
      if (m.peerURLs.some((u) => peerURLs.includes(u))) {
        throw new ApiError(409, 'membership: peerURL exists');
      }
    }
    const m: MemberInfo = { id, name: '', peerURLs, clientURLs: [] };
    await this.proposeConfChange(ConfChangeType.AddNode, m).catch(asApiError);
    return m;
  }

  async removeMember(id: string): Promise<void> {
    if (this.membership.removed.has(id)) {
      throw new ApiError(410, `Member permanently removed: ${id}`);
    }
    const m = this.membership.get(id);
    if (m === undefined) throw new ApiError(404, `No such member: ${id}`);
    await this.proposeConfChange(ConfChangeType.RemoveNode, m).catch(asApiError);
  }

  async updateMember(id: string, peerURLs: string[]): Promise<void> {
    const m = this.membership.get(id);
    if (m === undefined) throw new ApiError(404, `No such member: ${id}`);
    for (const o of this.membership.list()) {
      if (o.id !== id && o.peerURLs.some((u) => peerURLs.includes(u))) {
        throw new ApiError(409, 'membership: peerURL exists');
      }
    }
    await this.proposeConfChange(ConfChangeType.UpdateNode, { ...m, peerURLs }).catch(asApiError);
  }

  healthy(): boolean {
    return this.lead !== NONE && this.fatal === null;
  }

  version(): string {
    return serverVersion();
  }

  metricsText(): string {
    return this.metrics.registry.render();
  }

  observeRequest(req: IncomingMessage, res: ServerResponse, seconds: number, watch: boolean): void {
    this.metrics.observeRequest(req.method ?? 'GET', res.statusCode, seconds, watch);
  }

  // ---- Stop --------------------------------------------------------------------------

  /** Resolves when the raft loop has nothing in flight. */
  private idle(): Promise<void> {
    if (!this.inReady && !this.loopScheduled) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Graceful stop: refuse new proposals, let in-flight ones commit (bounded by the request
   * timeout), finish the current Ready, then close the WAL and release the lock.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopping = true;
    const deadline = Date.now() + this.requestTimeoutMs;
    while ((this.wait.size > 0 || this.inReady) && Date.now() < deadline && this.fatal === null) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await this.idle();
    if (this.ticker !== null) clearInterval(this.ticker);
    this.ticker = null;
    this.stopped = true;
    this.wait.failAll(stoppedError);
    for (const pr of this.pendingReads) pr.reject(stoppedError());
    this.pendingReads = [];
    if (this.readBatch !== null) for (const pr of this.readBatch.reads) pr.reject(stoppedError());
    this.readBatch = null;
    try {
      if (this.transport !== null) await this.transport.close();
    } finally {
      try {
        await this.wal.close();
      } finally {
        this.lock.release();
      }
    }
  }

  /** Abrupt stop for tests and fatal errors: no draining. */
  async kill(): Promise<void> {
    this.stopping = true;
    await this.stop();
  }

  get stoppedState(): boolean {
    return this.stopped;
  }

  /** Applied term, for stats and debugging. */
  appliedTermValue(): number {
    return this.appliedTerm;
  }
}

function asApiError(e: unknown): never {
  if (e instanceof ApiError) throw e;
  throw new ApiError(500, 'Internal Server Error');
}

function prepareDataDir(dataDir: string): DirLock {
  mkdirP(dataDir);
  checkWritable(dataDir);
  return lockDir(dataDir);
}

function mkdirP(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

async function purgeWalsAt(dir: string, max: number, upTo: number): Promise<void> {
  await purgeWals(dir, max, upTo);
}

/** A seeded xorshift for raft's election jitter (raft itself takes no randomness). */
function seededRandom(id: string): () => number {
  let s = (Number.parseInt(id.slice(-8) || '1', 16) ^ Date.now() ^ process.pid) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x1_0000_0000;
  };
}
