// This member's side of the peer transport: which peers it talks to (the membership
// decides), what it sends, its append counters, and what a peer may tell it (removed,
// another cluster's ID).
import type { Logger } from '../pkg/logger.js';
import { conflictingClusterIdMessage } from '../pkg/ids.js';
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
}

export class PeerLinks {
  transport: PeerTransport | null = null;
  private recvAppendCnt = 0;
  private sendAppendCnt = 0;
  private removedNotified = false;

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
    });
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
  }

  addPeer(id: NodeId, urls: string[]): void {
    this.transport?.addPeer(id, urls);
  }

  updatePeer(id: NodeId, urls: string[]): void {
    this.transport?.updatePeer(id, urls);
  }

  removePeer(id: NodeId): void {
    this.transport?.removePeer(id);
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
    this.log.info('etcd: this member has been permanently removed from the cluster. Exiting.');
    if (this.events.onRemoved) this.events.soon(this.events.onRemoved);
  }

  /** etcd 2's rafthttp: a peer of another cluster is fatal (this member is misconfigured). */
  private clusterConflict(remote: string, hadLeader: boolean): void {
    // Only a member that never found its cluster is the misconfigured one. A member that
    // has had a leader keeps serving (the transport logs the refusal); otherwise a
    // misconfigured newcomer answering 412 first would take healthy members down.
    if (hadLeader) return;
    this.log.error(`etcd: ${conflictingClusterIdMessage(remote, this.cid)}`);
    if (this.events.onFatal) this.events.soon(this.events.onFatal);
  }

  async close(): Promise<void> {
    if (this.transport !== null) await this.transport.close();
  }
}
