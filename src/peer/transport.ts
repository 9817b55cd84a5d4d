// Member-to-member transport over HTTP(S), after etcd's rafthttp.
//
//   send(msgs)  -> per-peer bounded queues -> one write per peer per event-loop turn on
//                  the stream the peer opened to us (GET /raft/stream/<our id>), or a
//                  POST /raft batch while no stream is up; MsgSnap -> POST /raft/snapshot.
//   handler()   -> handler.ts serves those three paths (plus /members and /version) on
//                  the peer listener, checking X-Etcd-Cluster-ID on every request.
//
// send() never blocks and never calls back synchronously: a slow or dead peer costs a
// dropped message and an onUnreachable(id), and raft retransmits.
import http, {
  type ClientRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import https from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import { type Logger, log as defaultLog } from '../pkg/logger.js';
import { decodeMessage } from '../raft/codec.js';
import { type Message, MessageType, type NodeId } from '../raft/types.js';
import { PeerHandler } from './handler.js';
import type { Flushable, PeerHost, PeerLimits, TransportCounters } from './host.js';
import { PeerKind } from './kind.js';
import type { GoPeer } from './go-peer.js';
import type { Peer } from './peer.js';
import { Remote } from './remote.js';
import { checkShape } from './validate.js';
import { type PeerUrl, parsePeerUrl } from './url.js';
import { type LeaderStatsJSON, SelfStats, type SelfStatsJSON } from './stats.js';

export type { LeaderStatsJSON, SelfStatsJSON } from './stats.js';
export type { PeerLimits, TransportCounters } from './host.js';
export { PeerKind } from './kind.js';

export interface TransportOptions {
  id: NodeId;
  clusterId: string;
  /** Client-side TLS for dialing https peer URLs (cert/key for client auth, ca, ...). */
  tls?: ConnectionOptions;
  onMessage(m: Message): void;
  onUnreachable(id: NodeId): void;
  /** A dial to peer `id` was refused (its process is likely gone). */
  onPeerRefused?(id: NodeId): void;
  onSnapshotStatus(id: NodeId, ok: boolean): void;
  /** A peer answered 410 Gone: this member was removed from the cluster. Called once. */
  onRemoved?(): void;
  /**
   * A peer refused us (412) naming another cluster ID: this member belongs to another
   * cluster (etcd 2's fatal "conflicting cluster ID"). Called once.
   */
  onClusterConflict?(remoteClusterId: string): void;
  /** A stream to (writer) or from (reader) a peer came up or went down. */
  onStreamStatus?(id: NodeId, direction: 'reader' | 'writer', up: boolean): void;
  /** Milliseconds, any origin (stats, redial timing). Defaults to performance.now(). */
  now?(): number;
  /** Body of GET /members on the peer URL (etcd's JSON, numeric IDs); served if given. */
  membersJSON?(): string;
  /**
   * We learnt which wire a peer speaks (ours, or etcd 2.0's): the server decides from all
   * peers' kinds which raft features the cluster may use (allPeersOurs()).
   */
  onPeerKind?(id: NodeId, kind: PeerKind): void;
  /** Body of GET /version on the peer URL; served if given. */
  versionJSON?(): string;
  logger?: Logger;
  limits?: Partial<PeerLimits>;
}

export const DEFAULT_LIMITS: PeerLimits = {
  // etcd's streamBufSize is 4096 messages; bytes bound the memory of large appends.
  maxPendingMessages: 4096,
  maxPendingBytes: 64 << 20,
  maxPipelines: 4,
  requestTimeoutMs: 5000,
  stallTimeoutMs: 5000,
  // etcd: ConnReadTimeout 5 s, a link heartbeat every third of it.
  keepaliveMs: 1500,
  readIdleTimeoutMs: 5000,
  snapshotTimeoutMs: 30_000,
  backoffMinMs: 50,
  backoffMaxMs: 500,
};

const MISMATCH_LOG_INTERVAL_MS = 5000;

export class Transport implements PeerHost {
  readonly localId: NodeId;
  clusterId: string;
  readonly limits: PeerLimits;
  readonly log: Logger;
  readonly self = new SelfStats();
  readonly counters: TransportCounters = {
    streamWrites: 0,
    streamMessages: 0,
    pipelinePosts: 0,
    dropped: 0,
  };
  private readonly opts: TransportOptions;
  private readonly peers = new Map<NodeId, Remote>();
  private readonly removed = new Set<NodeId>();
  private flushList: Flushable[] = [];
  private spareList: Flushable[] = [];
  private immediate: NodeJS.Immediate | null = null;
  private keepaliveTimer: NodeJS.Timeout | null = null;
  private httpAgent: http.Agent | null = null;
  private httpsAgent: https.Agent | null = null;
  private removedReported = false;
  private conflictReported = false;
  private readonly mismatchLogged = new Map<string, number>();
  private closed = false;
  private readonly serving: PeerHandler;
  readonly now: () => number;

  constructor(opts: TransportOptions) {
    this.opts = opts;
    this.localId = opts.id;
    this.clusterId = opts.clusterId;
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.log = opts.logger ?? defaultLog;
    this.now = opts.now ?? (() => performance.now());
    this.serving = new PeerHandler(this, opts.membersJSON, opts.versionJSON);
    this.handler = this.handler.bind(this);
    this.runFlush = this.runFlush.bind(this);
  }

  // ---- membership -----------------------------------------------------------------

  addPeer(id: NodeId, urls: string[]): void {
    if (this.closed || id === this.localId || this.peers.has(id)) return;
    this.removed.delete(id);
    const p = new Remote(id, this.validUrls(id, urls), this, (r, kind) => this.kindLearnt(r, kind));
    this.peers.set(id, p);
    if (this.keepaliveTimer === null) {
      this.keepaliveTimer = setInterval(() => {
        for (const peer of this.peers.values()) peer.keepalive();
      }, this.limits.keepaliveMs);
      this.keepaliveTimer.unref();
    }
    this.log.info(`rafthttp: starting peer ${id}...`);
    p.start();
  }

  updatePeer(id: NodeId, urls: string[]): void {
    const p = this.peers.get(id);
    if (p === undefined) {
      this.addPeer(id, urls);
      return;
    }
    p.updateUrls(this.validUrls(id, urls));
    this.log.info(`rafthttp: updated peer ${id}`);
  }

  /** URLs we can dial; a bad one is logged and left out rather than thrown at the caller. */
  private validUrls(id: NodeId, urls: string[]): string[] {
    return urls.filter((u) => {
      try {
        parsePeerUrl(u);
        return true;
      } catch (e) {
        this.log.warn(`rafthttp: ignoring peer URL of ${id}: ${(e as Error).message}`);
        return false;
      }
    });
  }

  /** The member left the cluster: stop talking to it and refuse it from now on. */
  removePeer(id: NodeId): void {
    this.removed.add(id);
    const p = this.peers.get(id);
    if (p === undefined) return;
    this.peers.delete(id);
    p.stop();
    this.log.info(`rafthttp: removed peer ${id}`);
  }

  hasPeer(id: NodeId): boolean {
    return this.peers.has(id);
  }

  /** True when the stream from this member to `id` is up and not backed up. */
  isConnected(id: NodeId): boolean {
    const r = this.peers.get(id);
    if (r === undefined) return false;
    return r.ours !== null ? r.ours.connected : r.go.streamUp;
  }

  /** Messages and approximate bytes queued for a peer (bounded by the limits). */
  queued(id: NodeId): { messages: number; bytes: number } {
    const p = this.peers.get(id);
    if (p === undefined) return { messages: 0, bytes: 0 };
    if (p.ours === null) return { messages: p.go.queuedMessages, bytes: 0 };
    return { messages: p.ours.queuedMessages, bytes: p.ours.queuedBytes };
  }

  /** What a peer is known to be (Unknown until it answered a probe or sent us a request). */
  peerKind(id: NodeId): PeerKind {
    return this.peers.get(id)?.kind ?? PeerKind.Unknown;
  }

  /**
   * True when every peer is known to be a member of this project: only then may raft use
   * what etcd 2.0 lacks (pre-vote, check-quorum, ReadIndex, leader transfer).
   */
  allPeersOurs(): boolean {
    for (const r of this.peers.values()) if (r.kind !== PeerKind.Ours) return false;
    return true;
  }

  private kindLearnt(r: Remote, kind: PeerKind): void {
    if (this.closed) return;
    this.log.info(
      `rafthttp: peer ${r.id} speaks ${kind === PeerKind.Ours ? "this project's wire" : "etcd 2.0's wire"}`,
    );
    this.opts.onPeerKind?.(r.id, kind);
  }

  /** A request from `from` showed its kind (our requests carry X-Etcd-Node-Wire). */
  sawWire(from: NodeId, ours: boolean): void {
    this.peers.get(from)?.setKind(ours ? PeerKind.Ours : PeerKind.Go);
  }

  wireRefused(id: NodeId, status: number): void {
    const r = this.peers.get(id);
    if (r === undefined || this.closed) return;
    this.log.debug(`rafthttp: peer ${id} answered ${status}; checking which wire it speaks`);
    r.reprobe();
  }

  /** The cluster ID can be learnt after start (joining an existing cluster). */
  setClusterId(cid: string): void {
    this.clusterId = cid;
    for (const p of this.peers.values()) p.setClusterId(cid);
  }

  // ---- sending --------------------------------------------------------------------

  /**
   * Queues messages for their peers. Cheap, never blocks, never calls back. The messages
   * are encoded later in this event-loop turn: they must not be changed after the call.
   */
  send(msgs: Message[]): void {
    if (this.closed) return;
    for (let i = 0; i < msgs.length; i++) {
      const m = msgs[i]!;
      const p = this.peers.get(m.to);
      if (p !== undefined) p.send(m);
    }
  }

  scheduleFlush(p: Flushable): void {
    p.scheduled = true;
    this.flushList.push(p);
    if (this.immediate === null && !this.closed) this.immediate = setImmediate(this.runFlush);
  }

  private runFlush(): void {
    this.immediate = null;
    const list = this.flushList;
    this.flushList = this.spareList;
    for (let i = 0; i < list.length; i++) list[i]!.flush();
    list.length = 0;
    this.spareList = list;
  }

  request(url: PeerUrl, method: string, path: string, headers: OutgoingHttpHeaders): ClientRequest {
    const options: http.RequestOptions = {
      hostname: url.hostname,
      port: url.port,
      method,
      path,
      headers,
    };
    if (url.https) {
      options.agent = this.getHttpsAgent();
      return https.request(options);
    }
    options.agent = this.getHttpAgent();
    return http.request(options);
  }

  private getHttpAgent(): http.Agent {
    if (this.httpAgent === null) {
      this.httpAgent = new http.Agent({
        keepAlive: true,
        keepAliveMsecs: 5000,
        scheduling: 'lifo',
      });
    }
    return this.httpAgent;
  }

  private getHttpsAgent(): https.Agent {
    if (this.httpsAgent === null) {
      this.httpsAgent = new https.Agent({
        minVersion: 'TLSv1.2',
        ...this.opts.tls,
        keepAlive: true,
        keepAliveMsecs: 5000,
        scheduling: 'lifo',
      });
    }
    return this.httpsAgent;
  }

  // ---- callbacks into the server ----------------------------------------------------

  reportUnreachable(id: NodeId): void {
    if (this.closed || !this.peers.has(id)) return;
    this.opts.onUnreachable(id);
  }

  peerRefused(id: NodeId): void {
    if (this.closed || !this.peers.has(id)) return;
    this.opts.onPeerRefused?.(id);
  }

  streamStatus(id: NodeId, direction: 'reader' | 'writer', up: boolean): void {
    if (this.closed) return;
    this.opts.onStreamStatus?.(id, direction, up);
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    if (this.closed) return;
    this.opts.onSnapshotStatus(id, ok);
  }

  removedByRemote(by: NodeId): void {
    if (this.removedReported || this.closed) return;
    this.removedReported = true;
    this.log.warn(
      `rafthttp: peer ${by} says this member has been permanently removed from the cluster`,
    );
    this.opts.onRemoved?.();
  }

  clusterMismatch(remote: string, got: string): void {
    if (got !== '' && got !== this.clusterId && !this.conflictReported && !this.closed) {
      this.conflictReported = true;
      this.opts.onClusterConflict?.(got);
    }
    const now = this.now();
    const last = this.mismatchLogged.get(remote);
    if (last !== undefined && now - last < MISMATCH_LOG_INTERVAL_MS) return;
    this.mismatchLogged.set(remote, now);
    const peer = got === '' ? remote : `${remote} (cluster ${got})`;
    this.log.warn(
      `rafthttp: request sent was ignored by peer ${peer} (cluster ID mismatch: local=${this.clusterId})`,
    );
  }

  receiveFrame(frame: Uint8Array, _from: NodeId): void {
    this.deliver(checkShape(decodeMessage(frame)), frame.length);
  }

  deliver(m: Message, size: number): void {
    if (this.closed || m.to !== this.localId) return;
    if (m.type === MessageType.App) {
      this.self.recvAppend(this.now(), size);
    } else if (m.type === MessageType.AppResp || m.type === MessageType.HeartbeatResp) {
      this.peers.get(m.from)?.ours?.response(m);
    }
    try {
      this.opts.onMessage(m);
    } catch (e) {
      this.log.error(
        `rafthttp: failed to process raft message from ${m.from}: ${(e as Error).message}`,
      );
    }
  }

  // ---- serving ----------------------------------------------------------------------

  /** Serves the peer paths; false for any other path (the caller answers those). */
  handler(req: IncomingMessage, res: ServerResponse): boolean {
    return this.serving.handle(req, res);
  }

  isRemoved(id: NodeId): boolean {
    return this.removed.has(id);
  }

  streamPeer(id: NodeId): Peer | undefined {
    return this.peers.get(id)?.ours ?? undefined;
  }

  goStreamPeer(id: NodeId): GoPeer | undefined {
    return this.peers.get(id)?.go;
  }

  /** We refused a request for its cluster ID (logged at most every few seconds per sender). */
  refusedForCluster(who: string, got: string): void {
    const now = this.now();
    const key = `in:${who}`;
    const last = this.mismatchLogged.get(key);
    if (last !== undefined && now - last < MISMATCH_LOG_INTERVAL_MS) return;
    this.mismatchLogged.set(key, now);
    this.log.warn(
      `rafthttp: request received was ignored (cluster ID mismatch got ${got} want ${this.clusterId}) from ${who}`,
    );
  }

  // ---- statistics -------------------------------------------------------------------

  /** /v2/stats/leader as etcd prints it (the caller answers 403 when not leader). */
  leaderStats(): LeaderStatsJSON {
    const ids = [...this.peers.keys()].sort();
    const followers: LeaderStatsJSON['followers'] = {};
    for (const id of ids) followers[id] = this.peers.get(id)!.stats.toJSON();
    return { leader: this.localId, followers };
  }

  /** The append counters and rates of /v2/stats/self (merge into the server's object). */
  selfStats(): SelfStatsJSON {
    return this.self.toJSON(this.now());
  }

  // ---- shutdown ---------------------------------------------------------------------

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.immediate !== null) {
      clearImmediate(this.immediate);
      this.immediate = null;
    }
    if (this.keepaliveTimer !== null) {
      clearInterval(this.keepaliveTimer);
      this.keepaliveTimer = null;
    }
    for (const p of this.peers.values()) p.stop();
    this.peers.clear();
    this.httpAgent?.destroy();
    this.httpsAgent?.destroy();
  }
}
