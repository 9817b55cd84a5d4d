// One etcd member, the facade: do/watch for the keys API, membership changes, stats, and
// start/stop. The work is done by the modules beside it: raft-loop (Ready → WAL → send →
// apply → Advance), apply (committed entries → store and membership), proposals,
// read-index, snapshotting, member-changes, stats.
import type { DirLock } from '../pkg/fileutil.js';
import { type Logger, log as defaultLog } from '../pkg/logger.js';
import { ProposalDroppedError } from '../raft/interface.js';
import type { RawNode } from '../raft/rawnode.js';
import type { MemoryStorage } from '../raft/storage.js';
import {
  type ConfChange,
  type ConfState,
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
import { applyRequest, encodeRequest, newRequest, type V2Request } from '../store/request.js';
import { Store } from '../store/store.js';
import type { StoreWatcher } from '../store/watcher.js';
import type { WAL } from '../wal/wal.js';
import { type ApplySink, applyEntries } from './apply.js';
import { conflictingClusterIdMessage } from '../pkg/ids.js';
import { Leadership } from './leadership.js';
import {
  DEFAULT_SYNC_INTERVAL_MS,
  type MemberOptions,
  type OpenedStorage,
  type PeerTransport,
  requestTimeoutMs,
} from './member-options.js';
import { createRaftNode } from './raft-node.js';
import { FatalError, stoppedError, timeoutError } from './errors.js';
import { checkAdd, checkRemove, checkUpdate, type MemberChange } from './member-changes.js';
import { encodeMemberContext, type MemberInfo, Membership, peerMembersJSON } from './membership.js';
import { MemberMetrics } from './metrics.js';
import { ProposalQueue } from './proposals.js';
import { RaftLoop } from './raft-loop.js';
import { ReadIndexBatcher } from './read-index.js';
import { RequestIds } from './request.js';
import { realScheduler, type Cancel, type Scheduler } from './scheduler.js';
import { decodeSnapshotData } from './snapshot-data.js';
import { DEFAULT_CATCH_UP_ENTRIES, Snapshotting } from './snapshotting.js';
import { leaderStatsJSON, selfStatsJSON } from './stats.js';
import { serverVersion } from './version.js';
import { Wait } from './wait.js';

/** running → stopping (draining) → stopped; failed after a fatal condition. */
type Lifecycle = 'running' | 'stopping' | 'stopped' | 'failed';
type Publication = 'unpublished' | 'publishing' | 'published';

export class Member {
  readonly name: string;
  readonly id: NodeId;
  readonly cid: string;
  readonly metrics = new MemberMetrics();
  readonly startTime: number;
  readonly clientUrls: string[];
  readonly peerUrls: string[];

  store: Store;
  membership: Membership;
  private readonly node: RawNode;
  private readonly storage: MemoryStorage;
  private readonly wal: WAL;
  private readonly lock: DirLock;
  private readonly log: Logger;
  private readonly opts: MemberOptions;
  private readonly sched: Scheduler;
  private readonly loop: RaftLoop;
  private readonly snapshots: Snapshotting;
  private readonly proposals: ProposalQueue;
  private readonly reads: ReadIndexBatcher;
  private transport: PeerTransport | null = null;

  private readonly wait = new Wait<unknown>();
  /** Requests proposed by this member, by their encoded bytes (the entry's data). */
  private readonly localRequests = new WeakMap<Uint8Array, V2Request>();
  private readonly ids: RequestIds;
  private readonly requestTimeoutMs: number;
  private readonly syncIntervalMs: number;

  private applied = 0;
  private confState: ConfState = { voters: [], learners: [] };
  /** The commit index last written to the WAL (a snapshot must not run ahead of it). */
  private persistedCommit = 0;

  private lifecycle: Lifecycle = 'running';
  private fatalError: Error | null = null;
  private publication: Publication = 'unpublished';
  private ticker: Cancel | null = null;
  /** A cluster of one campaigns at once rather than after an election timeout. */
  private campaignIfAlone = true;
  private removedNotified = false;

  private readonly leadership: Leadership;
  private lastSync = 0;
  private recvAppendCnt = 0;
  private sendAppendCnt = 0;

  private constructor(opts: MemberOptions, parts: OpenedStorage, lock: DirLock) {
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
    this.syncIntervalMs = opts.syncIntervalMs ?? DEFAULT_SYNC_INTERVAL_MS;
    this.lock = lock;
    this.wal = parts.wal;
    this.storage = parts.storage;
    this.ids = new RequestIds(this.id, this.sched.now());
    this.store = new Store();
    this.membership = new Membership();
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
    if (snap !== null && !isEmptySnapshot(snap)) this.restoreState(snap);
    this.persistedCommit = parts.hardState.commit;
    this.node = createRaftNode(
      this.id,
      opts.electionTicks,
      this.storage,
      this.applied,
      this.sched.now() ^ process.pid,
    );
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
        applied: () => this.applied,
        now: () => this.sched.now(),
        readIndex: (ctx) => this.node.readIndex(ctx),
        read: (r, now) => applyRequest(this.store, r, now),
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
        send: (msgs) => this.send(msgs),
        apply: (ents, rs) => this.applyPending(ents, rs),
        restore: (s) => {
          this.restoreState(s);
          this.log.info(
            `etcdserver: recovered from incoming snapshot at index ${s.metadata.index}`,
          );
          this.syncTransportPeers();
        },
        persisted: (commit) => {
          this.persistedCommit = commit;
        },
        afterRun: () => this.snapshotIfDue(),
        afterReady: () => {
          if (this.campaignIfAlone) this.maybeCampaignAlone();
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
      applied: () => this.applied,
    });
  }

  /**
   * Starts the raft loop on opened storage (src/embed opens it: startEtcd does all of
   * it). The member owns the storage and the lock from here, and releases them on stop.
   */
  static start(opts: MemberOptions, opened: { lock: DirLock; storage: OpenedStorage }): Member {
    const m = new Member(opts, opened.storage, opened.lock);
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
    this.ticker = this.sched.every(this.opts.heartbeatMs, () => this.tick());
    this.loop.schedule();
  }

  private get accepting(): boolean {
    return this.lifecycle === 'running';
  }

  // ---- KeysBackend -------------------------------------------------------------------

  do(r: V2Request): Promise<StoreEvent> {
    if (r.method === 'GET') {
      if (r.quorum) return this.linearizableRead(r);
      try {
        return Promise.resolve(applyRequest(this.store, r, this.sched.now()));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return this.proposeRequest(r) as Promise<StoreEvent>;
  }

  watch(path: string, recursive: boolean, stream: boolean, since: number): StoreWatcher {
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
    return this.sched.now();
  }

  // ---- Proposals ---------------------------------------------------------------------

  private proposeRequest(r: V2Request): Promise<unknown> {
    if (this.lifecycle === 'failed') {
      return Promise.reject(raftInternal(this.fatalError?.message ?? 'etcdserver: stopped'));
    }
    if (!this.accepting) return Promise.reject(stoppedError());
    r.id = this.ids.next();
    const p = this.wait.register(r.id, this.sched.now() + this.requestTimeoutMs);
    const data = encodeRequest(r);
    this.localRequests.set(data, r);
    if (this.proposals.add(r.id, data, this.leadership.hasLeader)) this.loop.schedule();
    return p;
  }

  private flushProposals(): void {
    this.proposals.flush();
  }

  private flushQueued(): void {
    if (!this.leadership.hasLeader || !this.proposals.hasQueued) return;
    this.proposals.flushQueued();
    this.loop.schedule();
  }

  /** Proposes a membership change; resolves with the membership once applied. */
  private proposeConfChange(ch: MemberChange): Promise<Membership> {
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
  private linearizableRead(r: V2Request): Promise<StoreEvent> {
    if (!this.accepting) return Promise.reject(stoppedError());
    return this.reads.read(r, this.sched.now() + this.requestTimeoutMs);
  }

  // ---- Raft input --------------------------------------------------------------------

  /** A message from a peer (the transport calls this). */
  receive(m: Message): void {
    if (this.lifecycle === 'stopped' || this.lifecycle === 'failed') return;
    if (m.type === MessageType.App) this.recvAppendCnt++;
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

  private tick(): void {
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
      if (this.publication === 'unpublished' && this.leadership.hasLeader && this.accepting) {
        this.publish();
      }
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    this.loop.schedule();
  }

  /** TTL expiry is a log entry: every member deletes what expired at the leader's time. */
  private proposeSync(now: number): void {
    if (!this.accepting) return;
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
    this.publication = 'publishing';
    this.proposeRequest(r).then(
      () => {
        this.publication = 'published';
        this.log.info(
          `etcdserver: published {Name:${this.name} ClientURLs:[${this.clientUrls.join(' ')}]} to cluster ${this.cid}`,
        );
      },
      () => {
        if (this.publication === 'publishing') this.publication = 'unpublished';
      },
    );
  }

  // ---- Loop callbacks ----------------------------------------------------------------

  private onSoftState(ss: SoftState): void {
    const ch = this.leadership.update(ss, this.node.term);
    if (ch.newLeader) this.metrics.leaderChanges.inc();
    if (ch.becameLeader) this.lastSync = 0;
    if (!this.leadership.hasLeader) return;
    if (this.publication === 'unpublished' && this.accepting) {
      this.sched.soon(() => {
        if (this.publication === 'unpublished' && this.accepting) this.publish();
      });
    }
    if (this.proposals.hasQueued) this.sched.soon(() => this.flushQueued());
    if (this.reads.waiting) this.sched.soon(() => this.reads.issue());
  }

  private send(msgs: Message[]): void {
    for (let i = 0; i < msgs.length; i++) {
      if (msgs[i]!.type === MessageType.App) this.sendAppendCnt++;
    }
    if (this.transport !== null) this.transport.send(msgs);
  }

  private readonly applySink: ApplySink = {
    trigger: (id, v) => this.wait.trigger(id, v),
    fail: (id, e) => this.wait.fail(id, e),
    applyConfChange: (cc) => this.node.applyConfChange(cc),
    addPeer: (id, urls) => this.transport?.addPeer(id, urls),
    updatePeer: (id, urls) => this.transport?.updatePeer(id, urls),
    removePeer: (id) => this.transport?.removePeer(id),
    removedSelf: () => this.removedFromCluster(),
  };

  private applyPending(ents: Entry[] | null, rs: ReadState[] | null): void {
    if (ents !== null) this.applyCommitted(ents);
    if (rs !== null) this.reads.onReadStates(rs);
    else if (this.reads.inFlight) this.reads.serveIfApplied();
  }

  private applyCommitted(ents: Entry[]): void {
    const st = {
      store: this.store,
      membership: this.membership,
      selfId: this.id,
      localRequests: this.localRequests,
    };
    const p = applyEntries(st, this.applySink, ents, this.applied, this.sched.now());
    this.applied = p.applied;
    if (p.confState !== null) this.confState = p.confState;
    if (this.applied > 0) this.snapshots.ensureData(this.snapshotSource());
    this.metrics.proposalsCommitted.inc('', p.normal);
    this.metrics.proposalsApplied.inc('', p.normal);
  }

  /**
   * A cluster of one has nobody to wait for: campaign as soon as the configuration is
   * applied rather than after an election timeout (etcd fast-forwards its ticks too).
   */
  private maybeCampaignAlone(): void {
    if (this.leadership.hasLeader || !this.accepting) {
      this.campaignIfAlone = false;
      return;
    }
    const v = this.confState.voters;
    if (v.length === 1 && v[0] === this.id && this.applied >= this.node.status().hardState.commit) {
      this.campaignIfAlone = false;
      this.node.campaign();
    }
  }

  /** etcd 2's rafthttp: a peer of another cluster is fatal (this member is misconfigured). */
  private clusterConflict(remote: string): void {
    // Only a member that never found its cluster is the misconfigured one. A member that
    // has had a leader keeps serving (the transport logs the refusal); otherwise a
    // misconfigured newcomer answering 412 first would take healthy members down.
    if (this.leadership.hadLeader) return;
    this.log.error(`etcd: ${conflictingClusterIdMessage(remote, this.cid)}`);
    if (this.opts.onFatal) this.sched.soon(this.opts.onFatal);
  }

  private removedFromCluster(): void {
    if (this.removedNotified) return;
    this.removedNotified = true;
    this.log.info('etcd: this member has been permanently removed from the cluster. Exiting.');
    if (this.opts.onRemoved) this.sched.soon(this.opts.onRemoved);
  }

  /**
   * A condition on which this member could part from the others: stop serving at once,
   * with one log line, and tell the embedder (bin/etcd exits 1).
   */
  private fail(e: Error): void {
    if (this.lifecycle === 'failed') return;
    this.lifecycle = 'failed';
    this.fatalError = e;
    this.log.error(`etcdserver: fatal: ${e.message}`);
    this.ticker?.cancel();
    this.ticker = null;
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

  private restoreState(snap: Snapshot): void {
    const d = decodeSnapshotData(snap.data);
    // A running member keeps its store object (and its watcher hub, whose watchers are
    // closed as etcd's Recovery does); a restart builds a fresh one.
    if (this.applied > 0) this.store.recovery(d.store);
    else this.store = Store.restore(d.store);
    this.membership = d.members;
    this.applied = snap.metadata.index;
    this.snapshots.index = snap.metadata.index;
    this.confState = snap.metadata.confState;
  }

  private snapshotSource() {
    return {
      applied: this.applied,
      confState: this.confState,
      membership: this.membership,
      store: this.store,
      persistedCommit: this.persistedCommit,
      hardState: () => this.node.status().hardState,
    };
  }

  private async snapshotIfDue(): Promise<void> {
    if (!this.snapshots.due(this.applied)) return;
    this.persistedCommit = await this.snapshots.take(this.snapshotSource());
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

  // ---- Stats -------------------------------------------------------------------------

  isLeader(): boolean {
    return this.leadership.isLeader;
  }

  leader(): NodeId {
    return this.leadership.lead;
  }

  appliedIndex(): number {
    return this.applied;
  }

  /** /v2/stats/self, as etcd's ServerStats JSON. */
  selfStatsJSON(): string {
    return selfStatsJSON({
      name: this.name,
      id: this.id,
      state: this.leadership.state,
      startTime: this.startTime,
      lead: this.leadership.lead,
      leaderSince: this.leadership.since,
      leaderUptimeNs: this.leadership.uptimeNs(),
      counts: this.transport?.selfStats?.() ?? {
        recvAppendRequestCnt: this.recvAppendCnt,
        sendAppendRequestCnt: this.sendAppendCnt,
      },
    });
  }

  /** /v2/stats/leader, or null when this member is not the leader. */
  leaderStatsJSON(): string | null {
    if (!this.leadership.isLeader) return null;
    return leaderStatsJSON(this.id, this.transport !== null ? this.transport.leaderStats() : {});
  }

  storeStatsJSON(): string {
    return JSON.stringify(this.store.statsJSON());
  }

  /** The transport, for the peer listener (null for a member without peers). */
  peerTransport(): PeerTransport | null {
    return this.transport;
  }

  healthy(): boolean {
    return this.leadership.hasLeader && this.lifecycle !== 'failed';
  }

  version(): string {
    return serverVersion();
  }

  metricsText(): string {
    return this.metrics.registry.render();
  }

  observeRequest(method: string, status: number, seconds: number, watch: boolean): void {
    this.metrics.observeRequest(method, status, seconds, watch);
  }

  // ---- Members API -------------------------------------------------------------------

  members(): MemberInfo[] {
    return this.membership.list();
  }

  /** Adds a member (POST /v2/members). Throws ServerError when refused. */
  async addMember(peerURLs: string[]): Promise<MemberInfo> {
    const ch = checkAdd(this.membership, peerURLs, this.sched.now());
    await this.proposeConfChange(ch);
    return ch.member;
  }

  async removeMember(id: string): Promise<void> {
    await this.proposeConfChange(checkRemove(this.membership, id));
  }

  async updateMember(id: string, peerURLs: string[]): Promise<void> {
    await this.proposeConfChange(checkUpdate(this.membership, id, peerURLs));
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

  private stopping: Promise<void> | null = null;

  private async drainAndClose(): Promise<void> {
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
    this.ticker?.cancel();
    this.ticker = null;
    if (this.lifecycle !== 'failed') this.lifecycle = 'stopped';
    this.wait.failAll(stoppedError);
    this.reads.failAll(stoppedError);
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
}

export type { MemberOptions, PeerTransport, TransportHandlers } from './member-options.js';
