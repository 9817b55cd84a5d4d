// Over 500 lines: the one constructor that wires a member's parts (their order matters) plus the loop callbacks.
// The working part of a member: wires raft, the loop (raft-loop: Ready → WAL → send →
// apply → Advance), the applied state, proposals and their waiters, ReadIndex reads,
// snapshots and the peer transport together; ticks; stops, gracefully or on a fatal
// condition. member.ts is the facade the API and embed use.
import type { DirLock } from '../pkg/fileutil.js';
import { type Logger, log as defaultLog } from '../pkg/logger.js';
import { ProposalDroppedError } from '../raft/interface.js';
import type { RawNode } from '../raft/rawnode.js';
import type { MemoryStorage } from '../raft/storage.js';
import {
  type ConfChange,
  type Entry,
  isEmptySnapshot,
  type Message,
  MessageType,
  type NodeId,
  type ReadState,
  type Snapshot,
  type SoftState,
} from '../raft/types.js';
import { raftInternal } from '../store/errors.js';
import type { StoreEvent } from '../store/event.js';
import { applyRequest, newRequest, type V2Request } from '../store/request.js';
import { encodeRequest } from './etcdserverpb.js';
import { unixNano } from '../pkg/go-time.js';
import type { Store } from '../store/store.js';
import type { WAL } from '../wal/wal.js';
import type { ApplySink } from './apply.js';
import { AppliedState } from './applied-state.js';
import { Leadership } from './leadership.js';
import {
  DEFAULT_SYNC_INTERVAL_MS,
  type MemberOptions,
  type OpenedStorage,
  requestTimeoutMs,
} from './member-options.js';
import { createRaftNode } from './raft-node.js';
import { FatalError, stoppedError, timeoutError } from './errors.js';
import type { MemberChange } from './member-changes.js';
import { encodeMemberContext, type Membership, peerMembersJSON } from './membership.js';
import { MemberMetrics } from './metrics.js';
import { PeerLinks } from './peer-links.js';
import { ProposalQueue } from './proposals.js';
import { Publisher } from './publish.js';
import { RaftLoop } from './raft-loop.js';
import { ReadIndexBatcher } from './read-index.js';
import { RequestIdGenerator } from './request-id.js';
import { realScheduler, type Cancel, type Scheduler } from './scheduler.js';
import { DEFAULT_CATCH_UP_ENTRIES, Snapshotting } from './snapshotting.js';
import { Wait } from './wait.js';

/** How long a member goes on after applying its own removal (etcd 2.0.13's 10 x 100 ms). */
const REMOVED_STOP_DELAY_MS = 1000;

/** running → stopping (draining) → stopped; failed after a fatal condition. */
type Lifecycle = 'running' | 'stopping' | 'stopped' | 'failed';

export class MemberCore {
  readonly name: string;
  readonly id: NodeId;
  readonly cid: string;
  readonly metrics = new MemberMetrics();
  readonly startTime: number;
  readonly clientUrls: string[];
  readonly peerUrls: string[];

  protected readonly state: AppliedState;
  protected readonly node: RawNode;
  protected readonly storage: MemoryStorage;
  protected readonly wal: WAL;
  protected readonly lock: DirLock;
  protected readonly log: Logger;
  protected readonly opts: MemberOptions;
  protected readonly sched: Scheduler;
  protected readonly loop: RaftLoop;
  protected readonly snapshots: Snapshotting;
  protected readonly proposals: ProposalQueue;
  protected readonly reads: ReadIndexBatcher;
  protected readonly peers: PeerLinks;

  protected readonly wait = new Wait<unknown>();
  protected readonly ids: RequestIdGenerator;
  protected readonly requestTimeoutMs: number;
  protected readonly syncIntervalMs: number;

  protected lifecycle: Lifecycle = 'running';
  protected fatalError: Error | null = null;
  protected readonly publisher: Publisher;
  protected ticker: Cancel | null = null;
  /** The stop that follows this member's own removal, once applied. */
  private removalStop: Cancel | null = null;
  /** A cluster of one campaigns at once rather than after an election timeout. */
  protected campaignIfAlone = true;

  protected readonly leadership: Leadership;
  protected lastSync = 0;

  protected constructor(opts: MemberOptions, parts: OpenedStorage, lock: DirLock) {
    this.opts = opts;
    this.sched = opts.scheduler ?? realScheduler;
    this.startTime = this.sched.now();
    this.name = opts.name;
    this.log = opts.logger ?? defaultLog;
    this.id = parts.memberId;
    this.cid = parts.clusterId;
    this.clientUrls = [...opts.clientUrls];
    this.peerUrls = [...opts.peerUrls];
    this.requestTimeoutMs = requestTimeoutMs(opts);
    this.leadership = new Leadership(this.id, this.sched, this.log);
    this.publisher = new Publisher(
      this.id,
      this.name,
      this.clientUrls,
      this.cid,
      (r) => this.proposeRequest(r),
      this.log,
    );
    this.peers = new PeerLinks(this.id, this.cid, this.log, {
      ...(opts.onRemoved ? { onRemoved: opts.onRemoved } : {}),
      ...(opts.onFatal ? { onFatal: opts.onFatal } : {}),
      soon: (fn) => this.sched.soon(fn),
      onGoCompat: (compat) => {
        this.node.setFeatures({
          preVote: !compat,
          checkQuorum: !compat,
          transfer: !compat,
          legacyFollowers: compat,
        });
        this.loop.schedule();
      },
    });
    this.syncIntervalMs = opts.syncIntervalMs ?? DEFAULT_SYNC_INTERVAL_MS;
    this.lock = lock;
    this.wal = parts.wal;
    this.storage = parts.storage;
    this.ids = new RequestIdGenerator(this.id, this.sched.now());
    this.state = new AppliedState(this.id, () => this.node.status().hardState);
    this.snapshots = new Snapshotting(
      parts.wal,
      parts.walDir,
      parts.snapshotter,
      parts.storage,
      {
        snapshotCount: opts.snapshotCount,
        maxSnapshots: opts.maxSnapshots,
        maxWals: opts.maxWals,
        catchUpEntries: opts.catchUpEntries ?? DEFAULT_CATCH_UP_ENTRIES,
      },
      this.log,
      this.metrics,
      this.sched,
    );
    const snap = parts.snapshot;
    if (snap !== null && !isEmptySnapshot(snap)) this.restoreState(snap, parts.store);
    this.state.persistedCommit = parts.hardState.commit;
    this.node = createRaftNode(
      this.id,
      opts.electionTicks,
      this.storage,
      this.state.applied,
      this.sched.now() ^ process.pid,
    );
    if (parts.fresh) {
      if (opts.newCluster) {
        // Go 2.0.13's bootstrap entries carry no client URLs (publish sets them later);
        // leaving ours out keeps the first WAL entries the same as Go writes.
        this.node.bootstrap(
          opts.initialMembers.map((m) => ({
            id: m.id,
            context: encodeMemberContext({ ...m, clientURLs: [] }),
          })),
        );
      }
      // Joining a running cluster, too: know its members (so the transport can answer
      // the leader) until the log or a snapshot brings the authoritative membership.
      for (const m of opts.initialMembers) this.state.membership.add(m);
    }
    this.proposals = new ProposalQueue(
      this.node,
      (id) => {
        this.metrics.proposalsFailed.inc();
        this.wait.fail(id, raftInternal('raft proposal dropped'));
      },
      (id) => this.wait.has(id),
    );
    this.reads = new ReadIndexBatcher(
      {
        hasLeader: () => this.leadership.hasLeader,
        applied: () => this.state.applied,
        now: () => this.sched.now(),
        readIndex: (ctx) => this.node.readIndex(ctx),
        read: (r, now) => applyRequest(this.state.store, r, now),
        schedule: () => this.loop.schedule(),
      },
      opts.heartbeatMs * 2,
    );
    this.loop = new RaftLoop(
      this.node,
      this.storage,
      {
        save: (hs, ents) => this.wal.save(hs, ents),
        saveSnapshot: async (s) => {
          // File first, then the WAL marker: a marker never points at a missing file.
          await parts.snapshotter.save(s);
          await this.wal.saveSnapshot({ index: s.metadata.index, term: s.metadata.term });
        },
      },
      {
        beforeReady: () => this.flushProposals(),
        hasBuffered: () => this.proposals.hasBuffered,
        onSoftState: (ss) => this.onSoftState(ss),
        isLeader: () => this.leadership.isLeader,
        send: (msgs) => this.peers.send(msgs),
        apply: (ents, rs) => this.applyPending(ents, rs),
        restore: (s) => {
          this.restoreState(s);
          this.log.info(
            `etcdserver: recovered from incoming snapshot at index ${s.metadata.index}`,
          );
          this.peers.sync(this.state.membership);
        },
        persisted: (commit) => {
          this.state.persistedCommit = commit;
        },
        hasWork: () => this.snapshots.markerPending,
        work: async () => {
          this.state.persistedCommit = await this.snapshots.writeMarker(this.state);
        },
        afterReady: () => {
          if (this.campaignIfAlone) this.maybeCampaignAlone();
          this.snapshotIfDue();
        },
        fatal: (e) => this.fail(e),
        walSynced: (s) => this.metrics.walFsync.observe(s),
      },
      this.sched,
    );
    this.metrics.addGauges({
      hasLeader: () => (!this.leadership.hasLeader ? 0 : 1),
      isLeader: () => (this.leadership.isLeader ? 1 : 0),
      term: () => this.node.term,
      pending: () => this.wait.size,
      committed: () => this.node.status().hardState.commit,
      applied: () => this.state.applied,
    });
  }

  protected begin(): void {
    if (this.opts.makeTransport) {
      this.peers.attach(
        this.opts.makeTransport,
        {
          onMessage: (msg) => this.receive(msg),
          onUnreachable: (id) => this.node.reportUnreachable(id),
          onPeerRefused: (id) => this.peerRefused(id),
          onSnapshotStatus: (id, ok) => this.node.reportSnapshot(id, ok),
          membersJSON: () => peerMembersJSON(this.state.membership.list()),
        },
        () => this.leadership.hadLeader,
      );
      this.peers.sync(this.state.membership);
    }
    this.ticker = this.sched.every(this.opts.heartbeatMs, () => this.tick());
    this.loop.schedule();
  }

  protected get accepting(): boolean {
    return this.lifecycle === 'running';
  }

  /** The v2 store as applied here (reads; a snapshot may replace it on a restart). */
  get store(): Store {
    return this.state.store;
  }

  get membership(): Membership {
    return this.state.membership;
  }

  // ---- Proposals ---------------------------------------------------------------------

  protected proposeRequest(r: V2Request): Promise<unknown> {
    if (this.lifecycle === 'failed') {
      return Promise.reject(raftInternal(this.fatalError?.message ?? 'etcdserver: stopped'));
    }
    if (!this.accepting) return Promise.reject(stoppedError());
    r.id = this.ids.next();
    const p = this.wait.register(r.id, this.sched.now() + this.requestTimeoutMs);
    const data = encodeRequest(r);
    this.state.localRequests.set(data, r);
    if (this.proposals.add(r.id, data, this.leadership.hasLeader)) this.loop.schedule();
    return p;
  }

  protected flushProposals(): void {
    this.proposals.flush();
  }

  protected flushQueued(): void {
    if (!this.leadership.hasLeader || !this.proposals.hasQueued) return;
    this.proposals.flushQueued();
    this.loop.schedule();
  }

  /** Proposes a membership change; resolves with the membership once applied. */
  protected proposeConfChange(ch: MemberChange): Promise<Membership> {
    if (!this.accepting) return Promise.reject(stoppedError());
    const id = this.ids.next();
    const cc: ConfChange = {
      id,
      type: ch.type,
      nodeId: ch.member.id,
      context: encodeMemberContext(ch.member),
    };
    const p = this.wait.register(id, this.sched.now() + this.requestTimeoutMs);
    try {
      this.node.proposeConfChange(cc);
    } catch (e) {
      this.wait.fail(id, e instanceof ProposalDroppedError ? timeoutError() : (e as Error));
    }
    this.loop.schedule();
    return p as Promise<Membership>;
  }

  // ---- Reads -------------------------------------------------------------------------

  /** quorum=true: ReadIndex, then wait until applied reaches it, then read locally. */
  protected linearizableRead(r: V2Request): Promise<StoreEvent> {
    if (!this.accepting) return Promise.reject(stoppedError());
    return this.reads.read(r, this.sched.now() + this.requestTimeoutMs);
  }

  // ---- Raft input --------------------------------------------------------------------

  /** A message from a peer (the transport calls this). */
  receive(m: Message): void {
    if (this.lifecycle === 'stopped' || this.lifecycle === 'failed') return;
    this.peers.received(m);
    try {
      this.node.step(m);
    } catch (e) {
      // A proposal forwarded to a member that lost its leadership is dropped (the
      // proposer's waiter times out); anything else is a broken raft invariant.
      if (!(e instanceof ProposalDroppedError)) {
        this.fail(
          new FatalError(
            `raft: stepping ${MessageType[m.type]} from ${m.from}: ${(e as Error).message}`,
          ),
        );
        return;
      }
    }
    this.loop.schedule();
  }

  /** The leader's peer port refusing us means its process is gone: elect without waiting. */
  private peerRefused(id: NodeId): void {
    if (this.lifecycle !== 'running') return;
    this.node.reportPeerDown(id);
    this.loop.schedule();
  }

  protected tick(): void {
    if (this.lifecycle === 'stopped' || this.lifecycle === 'failed') return;
    try {
      this.node.tick();
      const now = this.sched.now();
      this.wait.expire(now, timeoutError);
      this.reads.check(now);
      if (this.proposals.hasQueued) this.flushQueued();
      if (this.leadership.isLeader && now - this.lastSync >= this.syncIntervalMs) {
        this.lastSync = now;
        this.proposeSync(now);
      }
      if (this.publisher.pending && this.leadership.hasLeader && this.accepting) {
        this.publisher.publish();
      }
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    this.loop.schedule();
  }

  /** TTL expiry is a log entry: every member deletes what expired at the leader's time. */
  protected proposeSync(now: number): void {
    if (!this.accepting) return;
    // etcd 2.0's SYNC: no path, the leader's clock in int64 nanoseconds.
    const r = newRequest('SYNC', '');
    r.time = unixNano(now);
    r.id = this.ids.next();
    try {
      this.node.propose(encodeRequest(r));
    } catch (e) {
      if (!(e instanceof ProposalDroppedError)) throw e;
    }
  }

  // ---- Loop callbacks ----------------------------------------------------------------

  protected onSoftState(ss: SoftState): void {
    const ch = this.leadership.update(ss, this.node.term);
    if (ch.newLeader) this.metrics.leaderChanges.inc();
    if (ch.becameLeader) this.lastSync = 0;
    if (!this.leadership.hasLeader) return;
    if (this.publisher.pending && this.accepting) {
      this.sched.soon(() => {
        if (this.publisher.pending && this.accepting) this.publisher.publish();
      });
    }
    if (this.proposals.hasQueued) this.sched.soon(() => this.flushQueued());
    if (this.reads.waiting) this.sched.soon(() => this.reads.issue());
  }

  protected readonly applySink: ApplySink = {
    trigger: (id, v) => this.wait.trigger(id, v),
    fail: (id, e) => this.wait.fail(id, e),
    applyConfChange: (cc) => this.node.applyConfChange(cc),
    addPeer: (id, urls) => this.peers.addPeer(id, urls),
    updatePeer: (id, urls) => this.peers.updatePeer(id, urls),
    removePeer: (id) => this.peers.removePeer(id),
    // As etcd 2.0.13 (stopWithDelay): a member that applied its own removal goes on a
    // moment before it stops, so that a leader removing itself still tells the others the
    // commit of that removal; stopping at once could leave the last member counting it
    // as a voter, unable to be elected (raft simulator, seed 325258).
    removedSelf: () => {
      if (this.removalStop !== null) return;
      this.removalStop = this.sched.after(REMOVED_STOP_DELAY_MS, () => this.peers.removed());
    },
  };

  protected applyPending(ents: Entry[] | null, rs: ReadState[] | null): void {
    if (ents !== null) this.applyCommitted(ents);
    if (rs !== null) this.reads.onReadStates(rs);
    else if (this.reads.inFlight) this.reads.serveIfApplied();
  }

  protected applyCommitted(ents: Entry[]): void {
    const p = this.state.apply(ents, this.applySink, this.sched.now());
    if (this.state.applied > 0) this.snapshots.ensureData(this.state);
    this.snapshots.compactAlone(this.state);
    this.metrics.proposalsCommitted.inc('', p.normal);
    this.metrics.proposalsApplied.inc('', p.normal);
  }

  /**
   * A cluster of one has nobody to wait for: campaign as soon as the configuration is
   * applied rather than after an election timeout (etcd fast-forwards its ticks too).
   */
  protected maybeCampaignAlone(): void {
    if (this.leadership.hasLeader || !this.accepting) {
      this.campaignIfAlone = false;
      return;
    }
    const v = this.state.confState.voters;
    if (
      v.length === 1 &&
      v[0] === this.id &&
      this.state.applied >= this.node.status().hardState.commit
    ) {
      this.campaignIfAlone = false;
      this.node.campaign();
    }
  }

  /**
   * A condition on which this member could part from the others: stop serving at once,
   * with one log line, and tell the embedder (bin/etcd exits 1).
   */
  protected fail(e: Error): void {
    if (this.lifecycle === 'failed') return;
    this.lifecycle = 'failed';
    this.fatalError = e;
    this.log.error(`etcdserver: fatal: ${e.message}`);
    this.ticker?.cancel();
    this.ticker = null;
    this.removalStop?.cancel();
    this.loop.stop();
    this.wait.failAll(() => raftInternal(e.message));
    this.reads.failAll(() => raftInternal(e.message));
    if (this.opts.onFatal) this.sched.soon(this.opts.onFatal);
  }

  /** The fatal error that stopped this member, or null. */
  fatal(): Error | null {
    return this.fatalError;
  }

  // ---- Snapshots ---------------------------------------------------------------------

  /** `store`: the snapshot's store, if already built from it. */
  protected restoreState(snap: Snapshot, store: Store | null = null): void {
    this.state.restore(snap, this.sched.now(), store);
    this.snapshots.restored(snap.metadata.index);
  }

  /** Between Readys: a snapshot every --snapshot-count entries (its file written meanwhile). */
  protected snapshotIfDue(): void {
    if (this.lifecycle !== 'running' || !this.snapshots.due(this.state.applied)) return;
    this.snapshots.start(
      this.state,
      () => this.loop.schedule(),
      (e) => this.fail(e),
    );
  }

  // ---- Stop --------------------------------------------------------------------------

  /**
   * Graceful stop: refuse new proposals, let in-flight ones commit (bounded by the request
   * timeout), finish the current Ready, then close the WAL and release the lock.
   */
  stop(): Promise<void> {
    this.stopping ??= this.drainAndClose();
    return this.stopping;
  }

  protected stopping: Promise<void> | null = null;

  protected async drainAndClose(): Promise<void> {
    if (this.lifecycle === 'running') this.lifecycle = 'stopping';
    const deadline = this.sched.now() + this.requestTimeoutMs;
    while (
      (this.wait.size > 0 || this.loop.processing) &&
      this.sched.now() < deadline &&
      this.lifecycle !== 'failed'
    ) {
      await new Promise<void>((r) => this.sched.after(5, r));
    }
    await this.loop.idle();
    this.loop.stop();
    // A snapshot file being written is finished, and its marker written (the loop, which
    // would have, is stopped): a restart then starts from it.
    await this.snapshots.settle();
    if (this.snapshots.markerPending && this.lifecycle !== 'failed') {
      this.state.persistedCommit = await this.snapshots.writeMarker(this.state);
      await this.snapshots.settle();
    }
    this.ticker?.cancel();
    this.ticker = null;
    this.removalStop?.cancel();
    if (this.lifecycle !== 'failed') this.lifecycle = 'stopped';
    this.wait.failAll(stoppedError);
    this.reads.failAll(stoppedError);
    try {
      await this.peers.close();
    } finally {
      try {
        await this.wal.close();
      } finally {
        this.lock.release();
      }
    }
  }
}
