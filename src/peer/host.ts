// What the per-peer parts need from the transport that owns them.
import type { ClientRequest, OutgoingHttpHeaders } from 'node:http';
import type { Logger } from '../pkg/logger.js';
import type { Message, NodeId } from '../raft/types.js';
import type { SelfStats } from './stats.js';
import type { PeerUrl } from './url.js';

/** Tunables, all with defaults chosen in transport.ts. */
export interface PeerLimits {
  /** Messages queued for one peer before new ones are dropped. */
  maxPendingMessages: number;
  /** Approximate bytes queued for one peer before new ones are dropped. */
  maxPendingBytes: number;
  /** Concurrent POST /raft requests to one peer. */
  maxPipelines: number;
  /** Connect/response timeout of pipeline posts and stream dials. */
  requestTimeoutMs: number;
  /** A stream write blocked this long is declared dead. */
  stallTimeoutMs: number;
  /** An idle stream carries an empty frame this often... */
  keepaliveMs: number;
  /** ...and a stream we read that is silent this long is dropped and redialled. */
  readIdleTimeoutMs: number;
  /** Inactivity timeout of a snapshot transfer. */
  snapshotTimeoutMs: number;
  backoffMinMs: number;
  backoffMaxMs: number;
}

/** Plain counters for tests and benchmarks. */
export interface TransportCounters {
  /** Socket writes on streams (each carries every message queued in one turn). */
  streamWrites: number;
  /** Messages written on streams. */
  streamMessages: number;
  /** POST /raft requests (pipeline fallback). */
  pipelinePosts: number;
  /** Messages dropped (queue full, peer down). */
  dropped: number;
}

export interface Flushable {
  /** Set while in the transport's flush list. */
  scheduled: boolean;
  flush(): void;
}

export interface PeerHost {
  readonly localId: NodeId;
  readonly clusterId: string;
  readonly limits: PeerLimits;
  readonly log: Logger;
  readonly self: SelfStats;
  readonly counters: TransportCounters;
  now(): number;
  request(url: PeerUrl, method: string, path: string, headers: OutgoingHttpHeaders): ClientRequest;
  /** A frame arrived on the stream from peer `from` (throws on a malformed frame). */
  receiveFrame(frame: Uint8Array, from: NodeId): void;
  /** Runs p.flush() once later in this event-loop turn. */
  scheduleFlush(p: Flushable): void;
  streamStatus(id: NodeId, direction: 'reader' | 'writer', up: boolean): void;
  reportUnreachable(id: NodeId): void;
  /** A dial to the peer was refused: nothing listens on its peer port (its process is gone). */
  peerRefused(id: NodeId): void;
  reportSnapshot(id: NodeId, ok: boolean): void;
  /** A remote answered 410: this member was removed from the cluster. */
  removedByRemote(by: NodeId): void;
  /**
   * A remote answered a raft request with a status its kind should not give (400, 404...):
   * it may have been restarted as the other implementation; find out again.
   */
  wireRefused(id: NodeId, status: number): void;
  /** Hands a received message to raft (and counts it). */
  deliver(m: Message, size: number): void;
  /** A remote refused us for another cluster ID (`got`, when known), or we refused it. */
  clusterMismatch(remote: string, got: string): void;
}
