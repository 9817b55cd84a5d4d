// This member's side of the peer transport: which peers it talks to (the membership
// decides), what it sends, its append counters, and what a peer may tell it (removed,
// another cluster's ID).
import type { Logger } from '../pkg/logger.js';
import type { SelfStatsCounts } from '../pkg/stats-json.js';
import { type Message, MessageType, type NodeId } from '../raft/types.js';
import type { PeerTransport, TransportHandlers } from './member-options.js';
import type { Membership } from './membership.js';

export interface PeerEvents {
  /** Called once when this member learns it was removed (bin/etcd exits 0). */
  onRemoved?: () => void;
  /** Called after a fatal condition was logged (bin/etcd exits 1). */
  onFatal?: () => void;
  soon(fn: () => void): void;
  /**
   * The cluster may now hold a Go etcd 2.0 member (true), or holds only ours (false): raft
   * must run without, or may use, what etcd 2.0's raft lacks.
   */
  onGoCompat?(compat: boolean): void;
}

export class PeerLinks {
  transport: PeerTransport | null = null;
  private recvAppendCnt = 0;
  private sendAppendCnt = 0;
  private removedNotified = false;
  private compat: boolean | null = null;

  constructor(
    private readonly id: NodeId,
    private readonly cid: string,
    private readonly log: Logger,
    private readonly events: PeerEvents,
  ) {}

  attach(
    make: (h: TransportHandlers) => PeerTransport,
    h: Omit<TransportHandlers, 'id' | 'clusterId' | 'onRemoved' | 'onClusterConflict'>,
    hadLeader: () => boolean,
  ): void {
    this.transport = make({
      ...h,
      id: this.id,
      clusterId: this.cid,
      onRemoved: () => this.removed(),
      onClusterConflict: (remote) => this.clusterConflict(remote, hadLeader()),
      onPeerKind: () => this.recheckCompat(),
    });
  }

  /**
   * True while some peer may be a Go etcd 2.0 member (one not known to run this
   * implementation): raft then runs without pre-vote, check-quorum and leader transfer,
   * and quorum reads go through the log as QGET entries, as 2.0 does. Every one of those
   * features is safe when members disagree about it, so each member decides alone.
   */
  get goCompat(): boolean {
    return this.compat === true;
  }

  private recheckCompat(): void {
    const t = this.transport;
    const compat = t !== null && t.allPeersOurs !== undefined && !t.allPeersOurs();
    if (compat === this.compat) return;
    const first = this.compat === null;
    this.compat = compat;
    if (compat) {
      this.log.info(
        'etcdserver: a peer may run Go etcd 2.0: raft runs without pre-vote, check-quorum and leader transfer; quorum reads go through the log',
      );
    } else if (!first) {
      this.log.info(
        'etcdserver: every peer runs this implementation: pre-vote, check-quorum and ReadIndex on',
      );
    }
    this.events.onGoCompat?.(compat);
  }

  /** Every member of the membership is a peer; removed members are refused (410). */
  sync(ms: Membership): void {
    if (this.transport === null) return;
    for (const m of ms.list()) {
      if (m.id !== this.id) this.transport.addPeer(m.id, m.peerURLs);
    }
    // Removed members (from a snapshot: their RemoveNode may be compacted away) are
    // answered 410, so they learn they were removed rather than retrying for ever.
    for (const id of ms.removed) this.transport.removePeer(id);
    this.recheckCompat();
  }

  addPeer(id: NodeId, urls: string[]): void {
    this.transport?.addPeer(id, urls);
    this.recheckCompat();
  }

  updatePeer(id: NodeId, urls: string[]): void {
    this.transport?.updatePeer(id, urls);
  }

  removePeer(id: NodeId): void {
    this.transport?.removePeer(id);
    this.recheckCompat();
  }

  send(msgs: Message[]): void {
    for (let i = 0; i < msgs.length; i++) {
      if (msgs[i]!.type === MessageType.App) this.sendAppendCnt++;
    }
    if (this.transport !== null) this.transport.send(msgs);
  }

  received(m: Message): void {
    if (m.type === MessageType.App) this.recvAppendCnt++;
  }

  /** The append counters of /v2/stats/self (the transport's, with rates, if it has them). */
  counts(): SelfStatsCounts {
    return (
      this.transport?.selfStats?.() ?? {
        recvAppendRequestCnt: this.recvAppendCnt,
        sendAppendRequestCnt: this.sendAppendCnt,
      }
    );
  }

  leaderStats(): unknown {
    return this.transport !== null ? this.transport.leaderStats() : {};
  }

  removed(): void {
    if (this.removedNotified) return;
    this.removedNotified = true;
    // etcd 2.0.13's two lines (etcdserver's run loop on its error channel).
    this.log.info('etcdserver: the member has been permanently removed from the cluster');
    this.log.info('etcdserver: the data-dir used by this member must be removed.');
    if (this.events.onRemoved) this.events.soon(this.events.onRemoved);
  }

  /** etcd 2's rafthttp: a peer of another cluster is fatal (this member is misconfigured). */
  private clusterConflict(remote: string, hadLeader: boolean): void {
    // Only a member that never found its cluster is the misconfigured one. A member that
    // has had a leader keeps serving (the transport logs the refusal); otherwise a
    // misconfigured newcomer answering 412 first would take healthy members down.
    if (hadLeader) return;
    // etcd 2.0.13's two lines (rafthttp's error, then etcdserver's run loop).
    this.log.error(
      `etcdserver: conflicting cluster ID with the target cluster (${remote} != ${this.cid})`,
    );
    this.log.error('etcdserver: the data-dir used by this member must be removed.');
    if (this.events.onFatal) this.events.soon(this.events.onFatal);
  }

  async close(): Promise<void> {
    if (this.transport !== null) await this.transport.close();
  }
}
