// One etcd member, the facade: do/watch for the keys API, stats, the members API and
// start. The work is done by member-core.ts and the modules beside it.
import type { DirLock } from '../pkg/fileutil.js';
import type { NodeId } from '../raft/types.js';
import type { StoreEvent } from '../store/event.js';
import { applyRequest, type V2Request } from '../store/request.js';
import type { StoreWatcher } from '../store/watcher.js';
import { checkAdd, checkRemove, checkUpdate } from './member-changes.js';
import { MemberCore } from './member-core.js';
import type { MemberOptions, OpenedStorage, PeerTransport } from './member-options.js';
import type { MemberInfo } from './membership.js';
import { leaderStatsJSON, selfStatsJSON } from './stats.js';
import { serverVersion } from './version.js';
export class Member extends MemberCore {
  /**
   * Starts the raft loop on opened storage (src/embed opens it: startEtcd does all of
   * it). The member owns the storage and the lock from here, and releases them on stop.
   */
  static start(opts: MemberOptions, opened: { lock: DirLock; storage: OpenedStorage }): Member {
    const m = new Member(opts, opened.storage, opened.lock);
    m.begin();
    return m;
  }

  // ---- KeysBackend -------------------------------------------------------------------

  /**
   * GET without quorum reads the local store and answers at once (throwing its
   * EtcdError). quorum=true is linearizable: by ReadIndex in a cluster of ours, or through
   * the log as a QGET entry (quorumReadsViaLog, or a peer that may be Go etcd 2.0, which
   * understands only that). Everything else is proposed; both settle later.
   */
  do(r: V2Request): StoreEvent | Promise<StoreEvent> {
    if (r.method === 'GET') {
      if (!r.quorum) return applyRequest(this.state.store, r, this.sched.now());
      const viaLog = this.opts.quorumReadsViaLog === true || this.peers.goCompat;
      if (!viaLog) return this.linearizableRead(r);
      r.method = 'QGET';
    }
    return this.proposeRequest(r) as Promise<StoreEvent>;
  }

  noteCachedGet(failed: boolean): void {
    if (failed) this.state.store.stats.getsFail++;
    else this.state.store.stats.getsSuccess++;
  }

  watch(path: string, recursive: boolean, stream: boolean, since: number): StoreWatcher {
    return this.state.store.watch(path, recursive, stream, since);
  }

  storeIndex(): number {
    return this.state.store.index;
  }

  raftIndex(): number {
    return this.state.applied;
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

  // ---- Stats -------------------------------------------------------------------------

  isLeader(): boolean {
    return this.leadership.isLeader;
  }

  leader(): NodeId {
    return this.leadership.lead;
  }

  appliedIndex(): number {
    return this.state.applied;
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
      counts: this.peers.counts(),
    });
  }

  /** /v2/stats/leader, or null when this member is not the leader. */
  leaderStatsJSON(): string | null {
    if (!this.leadership.isLeader) return null;
    return leaderStatsJSON(this.id, this.peers.leaderStats());
  }

  storeStatsJSON(): string {
    return JSON.stringify(this.state.store.statsJSON());
  }

  /** The transport, for the peer listener (null for a member without peers). */
  peerTransport(): PeerTransport | null {
    return this.peers.transport;
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
    return this.state.membership.list();
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
}

export type { MemberOptions, PeerTransport, TransportHandlers } from './member-options.js';
