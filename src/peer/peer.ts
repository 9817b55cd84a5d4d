// One remote member as seen by the transport. Outgoing: a bounded queue of messages,
// flushed once per event-loop turn onto the stream the remote opened to us (its
// GET /raft/stream/<our id>, served by our handler), or, while no stream is up, as one
// POST /raft per batch (the pipeline). Snapshots go on their own POST /raft/snapshot.
// Incoming: we keep a GET /raft/stream/<our id> open to the remote, so that it can
// stream to us; it is redialled with back-off whenever it drops.
//
// The direction (the receiver dials, the sender writes on the response) is etcd's: a
// long response is never cut by the listener's request timeouts, and a removed or
// foreign member learns of it from the answer to its own dial.
import type {
  ClientRequest,
  IncomingMessage,
  OutgoingHttpHeaders,
  ServerResponse,
} from 'node:http';
import type { Logger } from '../pkg/logger.js';
import { type Message, MessageType, type NodeId } from '../raft/types.js';
import { FrameDecoder, approxMessageBytes, encodeFrames } from './frame.js';
import {
  HEADER_CLUSTER_ID,
  HEADER_FROM,
  HEADER_TO,
  RAFT_PATH,
  RAFT_SNAPSHOT_PATH,
} from './http-util.js';
import { snapshotPrefix } from './snapshot.js';
import { FollowerStats, type SelfStats } from './stats.js';

export interface PeerUrl {
  readonly href: string;
  readonly https: boolean;
  readonly hostname: string;
  readonly port: number;
}

export function parsePeerUrl(s: string): PeerUrl {
  const u = new URL(s);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new Error(`peer URL ${s} must be http or https`);
  }
  const https = u.protocol === 'https:';
  let host = u.hostname;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const port = u.port === '' ? (https ? 443 : 80) : Number(u.port);
  return { href: `${u.protocol}//${u.host}`, https, hostname: host, port };
}

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
  /** Inactivity timeout of a snapshot transfer. */
  snapshotTimeoutMs: number;
  backoffMinMs: number;
  backoffMaxMs: number;
}

/** What a peer needs from its transport. */
export interface PeerHost {
  readonly localId: NodeId;
  readonly clusterId: string;
  readonly limits: PeerLimits;
  readonly log: Logger;
  readonly self: SelfStats;
  readonly counters: TransportCounters;
  now(): number;
  streamStatus(id: NodeId, direction: 'reader' | 'writer', up: boolean): void;
  request(url: PeerUrl, method: string, path: string, headers: OutgoingHttpHeaders): ClientRequest;
  /** A frame arrived on a stream from this peer. */
  receiveFrame(frame: Uint8Array, from: Peer): void;
  scheduleFlush(p: Peer): void;
  reportUnreachable(id: NodeId): void;
  reportSnapshot(id: NodeId, ok: boolean): void;
  /** A remote answered 410: this member was removed from the cluster. */
  removedByRemote(by: NodeId): void;
  clusterMismatch(remote: string, got: string): void;
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

enum Probe {
  None = 0,
  Heartbeat = 1,
  Append = 2,
}

/** A latency probe unanswered this long is abandoned (the message was lost). */
const PROBE_EXPIRY_MS = 5000;
const SNAPSHOT_SLICE = 1 << 20;

export class Peer {
  readonly stats = new FollowerStats();
  urls: PeerUrl[];
  private urlIndex = 0;

  // Outgoing queue.
  private pending: Message[] = [];
  private pendingBytes = 0;
  /** Set while this peer is in the transport's flush list. */
  scheduled = false;
  private unreachable = false;

  // The stream the remote opened to us, if any.
  private writer: ServerResponse | null = null;
  private blocked = false;
  private stallTimer: NodeJS.Timeout | null = null;

  // Pipeline fallback.
  private inflight = 0;
  private downUntil = 0;
  private pipeBackoff: number;

  private snapshotInFlight = false;
  private snaps: Message[] = [];

  // Our stream from the remote.
  private reader: ClientRequest | null = null;
  private readerUp = false;
  private readerTimer: NodeJS.Timeout | null = null;
  private readerBackoff: number;
  private lastReaderError = '';

  // Round-trip probe for the follower latency statistics.
  private probe = Probe.None;
  private probeIndex = 0;
  private probeAt = 0;

  private closed = false;
  private readonly headers: OutgoingHttpHeaders;
  private readonly sizes: number[] = [];

  constructor(
    readonly id: NodeId,
    urls: string[],
    private readonly host: PeerHost,
  ) {
    this.urls = urls.map(parsePeerUrl);
    this.headers = {
      [HEADER_CLUSTER_ID]: host.clusterId,
      [HEADER_FROM]: host.localId,
      [HEADER_TO]: id,
    };
    this.pipeBackoff = host.limits.backoffMinMs;
    this.readerBackoff = host.limits.backoffMinMs;
  }

  start(): void {
    this.dial();
  }

  setClusterId(cid: string): void {
    this.headers[HEADER_CLUSTER_ID] = cid;
  }

  /** New URLs: reconnect the stream we read from if its URL is gone. */
  updateUrls(urls: string[]): void {
    const next = urls.map(parsePeerUrl);
    const current = this.urls[this.urlIndex % Math.max(1, this.urls.length)];
    this.urls = next;
    const keep = current !== undefined ? next.findIndex((u) => u.href === current.href) : -1;
    this.urlIndex = Math.max(keep, 0);
    if (keep < 0 && this.reader !== null) this.reader.destroy();
  }

  /** True when the remote's stream to us is attached and writable. */
  get connected(): boolean {
    return this.writer !== null && !this.blocked;
  }

  get streamReading(): boolean {
    return this.readerUp;
  }

  get queuedMessages(): number {
    return this.pending.length;
  }

  get queuedBytes(): number {
    return this.pendingBytes;
  }

  // ---- outgoing -------------------------------------------------------------------

  /** Queues one message; never blocks. A full queue drops the message. */
  enqueue(m: Message): void {
    if (m.type === MessageType.Snap && m.snapshot !== null) {
      // Started from flush(), so that send() never calls back into the server.
      this.snaps.push(m);
      if (!this.scheduled) this.host.scheduleFlush(this);
      return;
    }
    const size = approxMessageBytes(m);
    const lim = this.host.limits;
    if (
      this.pending.length >= lim.maxPendingMessages ||
      (this.pendingBytes + size > lim.maxPendingBytes && this.pending.length > 0)
    ) {
      if (m.type === MessageType.App) this.stats.fail++;
      this.host.counters.dropped++;
      this.unreachable = true;
    } else {
      this.pending.push(m);
      this.pendingBytes += size;
    }
    if (!this.scheduled) this.host.scheduleFlush(this);
  }

  /** Called by the transport once per event-loop turn in which this peer had sends. */
  flush(): void {
    this.scheduled = false;
    if (this.closed) return;
    if (this.snaps.length > 0) {
      const snaps = this.snaps;
      this.snaps = [];
      for (let i = 0; i < snaps.length; i++) this.sendSnapshot(snaps[i]!);
    }
    if (this.pending.length > 0) {
      if (this.writer !== null) {
        if (!this.blocked) this.writeStream();
      } else {
        this.pipeline();
      }
    }
    if (this.unreachable) {
      this.unreachable = false;
      this.host.reportUnreachable(this.id);
    }
  }

  private writeStream(): void {
    const msgs = this.pending;
    const sizes = this.sizes;
    sizes.length = 0;
    const buf = encodeFrames(msgs, 0, msgs.length, sizes);
    this.countSends(msgs, sizes, true);
    for (let i = 0; i < msgs.length; i++) {
      if (msgs[i]!.type === MessageType.App) this.stats.success++;
    }
    this.pending = [];
    this.pendingBytes = 0;
    const c = this.host.counters;
    c.streamWrites++;
    c.streamMessages += msgs.length;
    if (!this.writer!.write(buf)) {
      // Under load most writes fill the socket buffer: one timer per stream, re-armed.
      this.blocked = true;
      if (this.stallTimer === null) {
        this.stallTimer = setTimeout(this.stalled, this.host.limits.stallTimeoutMs);
        this.stallTimer.unref();
      } else {
        this.stallTimer.refresh();
      }
    }
  }

  /** Fires stallTimeoutMs after the latest write that found the socket full. */
  private readonly stalled = (): void => {
    const writer = this.writer;
    if (writer === null || !this.blocked) return;
    this.host.log.warn(`rafthttp: the stream to peer ${this.id} is stalled; closing it`);
    writer.destroy();
  };

  /** Send counters and the latency probe, for messages handed to the network. */
  private countSends(msgs: Message[], sizes: number[], probe: boolean): void {
    const now = this.host.now();
    const self = this.host.self;
    for (let i = 0; i < msgs.length; i++) {
      const m = msgs[i]!;
      if (m.type === MessageType.App) {
        self.sendAppend(now, sizes[i]!);
        if (probe && this.probeFree(now)) {
          this.probe = Probe.Append;
          this.probeIndex = m.index + m.entries.length;
          this.probeAt = now;
        }
      } else if (m.type === MessageType.Heartbeat && probe && this.probeFree(now)) {
        this.probe = Probe.Heartbeat;
        this.probeAt = now;
      }
    }
  }

  private probeFree(now: number): boolean {
    return this.probe === Probe.None || now - this.probeAt > PROBE_EXPIRY_MS;
  }

  /** A response from this peer: completes the latency probe when it answers it. */
  response(m: Message): void {
    if (this.probe === Probe.Heartbeat) {
      if (m.type !== MessageType.HeartbeatResp) return;
    } else if (this.probe === Probe.Append) {
      if (m.type !== MessageType.AppResp || m.reject || m.index < this.probeIndex) return;
    } else {
      return;
    }
    this.probe = Probe.None;
    this.stats.latency(this.host.now() - this.probeAt);
  }

  private pipeline(): void {
    const now = this.host.now();
    if (now < this.downUntil || this.urls.length === 0) {
      // Recently unreachable: drop rather than queue; raft retransmits after the probe.
      const msgs = this.pending;
      for (let i = 0; i < msgs.length; i++) {
        if (msgs[i]!.type === MessageType.App) this.stats.fail++;
      }
      this.host.counters.dropped += msgs.length;
      this.pending = [];
      this.pendingBytes = 0;
      this.unreachable = true;
      return;
    }
    if (this.inflight >= this.host.limits.maxPipelines) return;
    const msgs = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    this.post(msgs);
  }

  private post(msgs: Message[]): void {
    const sizes: number[] = [];
    const body = encodeFrames(msgs, 0, msgs.length, sizes);
    this.countSends(msgs, sizes, false);
    const url = this.pickUrl();
    this.inflight++;
    this.host.counters.pipelinePosts++;
    let done = false;
    const finish = (status: number, err: string) => {
      if (done) return;
      done = true;
      this.inflight--;
      this.pipelineDone(msgs, status, err, url);
    };
    const req = this.host.request(url, 'POST', RAFT_PATH, {
      ...this.headers,
      'Content-Type': 'application/octet-stream',
      'Content-Length': body.length,
    });
    req.setNoDelay(true);
    req.setTimeout(this.host.limits.requestTimeoutMs, () => req.destroy(new Error('i/o timeout')));
    req.on('response', (res: IncomingMessage) => {
      res.resume();
      finish(res.statusCode ?? 0, '');
    });
    req.on('error', (e) => finish(0, e.message));
    req.end(body);
  }

  private pipelineDone(msgs: Message[], status: number, err: string, url: PeerUrl): void {
    let apps = 0;
    for (let i = 0; i < msgs.length; i++) if (msgs[i]!.type === MessageType.App) apps++;
    if (status === 204) {
      this.stats.success += apps;
      this.downUntil = 0;
      this.pipeBackoff = this.host.limits.backoffMinMs;
    } else {
      this.stats.fail += apps;
      this.unreachable = true;
      if (status === 410) this.host.removedByRemote(this.id);
      else if (status === 412) this.host.clusterMismatch(this.id, '');
      if (status === 0) {
        this.failUrl(url);
        if (!this.closed && this.writer === null) {
          this.host.log.debug(`rafthttp: failed to post to ${this.id} on ${url.href} (${err})`);
        }
      }
      this.downUntil = this.host.now() + this.pipeBackoff;
      this.pipeBackoff = Math.min(this.pipeBackoff * 2, this.host.limits.backoffMaxMs);
    }
    if (!this.scheduled && (this.unreachable || this.pending.length > 0)) {
      this.host.scheduleFlush(this);
    }
  }

  /** The remote's GET /raft/stream/<us> was accepted: write our messages on it. */
  attachWriter(res: ServerResponse): void {
    const old = this.writer;
    this.writer = null;
    if (old !== null) old.destroy();
    this.clearStall();
    this.writer = res;
    this.blocked = false;
    this.downUntil = 0;
    this.pipeBackoff = this.host.limits.backoffMinMs;
    res.on('drain', () => {
      if (this.writer !== res) return;
      this.blocked = false;
      if (this.pending.length > 0 && !this.scheduled) this.host.scheduleFlush(this);
    });
    res.on('close', () => this.writerClosed(res));
    this.host.log.info(
      `rafthttp: established a TCP streaming connection with peer ${this.id} (stream writer)`,
    );
    this.host.streamStatus(this.id, 'writer', true);
    if (this.pending.length > 0 && !this.scheduled) this.host.scheduleFlush(this);
  }

  private writerClosed(res: ServerResponse): void {
    if (this.writer !== res) return;
    this.writer = null;
    this.blocked = false;
    this.clearStall();
    if (this.closed) return;
    this.host.log.warn(
      `rafthttp: lost the TCP streaming connection with peer ${this.id} (stream writer)`,
    );
    this.host.streamStatus(this.id, 'writer', false);
    // Whatever was in flight on it is lost; raft should probe again.
    this.unreachable = true;
    if (!this.scheduled) this.host.scheduleFlush(this);
  }

  private clearStall(): void {
    if (this.stallTimer !== null) {
      clearTimeout(this.stallTimer);
      this.stallTimer = null;
    }
  }

  // ---- snapshots ------------------------------------------------------------------

  private sendSnapshot(m: Message): void {
    if (this.snapshotInFlight || this.urls.length === 0) {
      const why = this.snapshotInFlight ? 'another is in flight' : 'the peer has no URL';
      this.host.log.warn(`rafthttp: dropped a snapshot to ${this.id} (${why})`);
      this.host.reportSnapshot(this.id, false);
      return;
    }
    this.snapshotInFlight = true;
    const data = m.snapshot!.data;
    const index = m.snapshot!.metadata.index;
    const prefix = snapshotPrefix(m);
    const url = this.pickUrl();
    this.host.log.info(
      `rafthttp: start to send database snapshot [index: ${index}, to ${this.id}, size ${data.length}]...`,
    );
    let done = false;
    const finish = (ok: boolean, why: string) => {
      if (done) return;
      done = true;
      this.snapshotInFlight = false;
      if (ok) {
        this.host.log.info(
          `rafthttp: database snapshot [index: ${index}, to: ${this.id}] sent out successfully`,
        );
      } else {
        this.host.log.warn(
          `rafthttp: database snapshot [index: ${index}, to: ${this.id}] failed to be sent out (${why})`,
        );
        this.failUrl(url);
        this.host.reportUnreachable(this.id);
      }
      this.host.reportSnapshot(this.id, ok);
    };
    const req = this.host.request(url, 'POST', RAFT_SNAPSHOT_PATH, {
      ...this.headers,
      'Content-Type': 'application/octet-stream',
      'Content-Length': prefix.length + data.length,
    });
    req.setTimeout(this.host.limits.snapshotTimeoutMs, () => req.destroy(new Error('i/o timeout')));
    let responded = false;
    req.on('response', (res: IncomingMessage) => {
      responded = true;
      const status = res.statusCode ?? 0;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (s: string) => {
        if (text.length < 512) text += s;
      });
      res.on('end', () => {
        if (status === 410) this.host.removedByRemote(this.id);
        else if (status === 412) this.host.clusterMismatch(this.id, '');
        finish(status === 204, `${status} ${text.trim()}`);
      });
      res.on('close', () => {
        if (!res.complete) finish(false, 'response aborted');
      });
    });
    req.on('error', (e) => finish(false, e.message));
    req.on('close', () => {
      if (!responded) finish(false, 'connection closed');
    });
    req.write(prefix);
    // Slices of the snapshot itself, paced by the socket: no copy, no unbounded buffer.
    let off = 0;
    const pump = (): void => {
      while (off < data.length) {
        if (done || req.destroyed) return;
        const end = Math.min(off + SNAPSHOT_SLICE, data.length);
        const ok = req.write(data.subarray(off, end));
        off = end;
        if (!ok) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  }

  // ---- incoming stream ------------------------------------------------------------

  private dial(): void {
    if (this.closed || this.reader !== null || this.urls.length === 0) return;
    const url = this.pickUrl();
    const req = this.host.request(url, 'GET', `/raft/stream/${this.host.localId}`, this.headers);
    this.reader = req;
    req.setNoDelay(true);
    req.setTimeout(this.host.limits.requestTimeoutMs, () => req.destroy(new Error('i/o timeout')));
    req.on('response', (res: IncomingMessage) => this.readerResponse(req, res, url));
    req.on('error', (e) => {
      this.lastReaderError = e.message;
    });
    req.on('close', () => this.readerClosed(req, url));
    req.end();
  }

  private readerResponse(req: ClientRequest, res: IncomingMessage, url: PeerUrl): void {
    if (this.reader !== req) {
      req.destroy();
      return;
    }
    const status = res.statusCode ?? 0;
    if (status !== 200) {
      res.resume();
      this.lastReaderError = `status ${status}`;
      if (status === 410) this.host.removedByRemote(this.id);
      else if (status === 412) this.host.clusterMismatch(this.id, '');
      req.destroy();
      return;
    }
    const got = res.headers['x-etcd-cluster-id'];
    if (got !== this.headers[HEADER_CLUSTER_ID]) {
      this.host.clusterMismatch(this.id, typeof got === 'string' ? got : '');
      this.lastReaderError = 'cluster ID mismatch';
      req.destroy();
      return;
    }
    req.setTimeout(0);
    res.socket.setKeepAlive(true, 5000);
    this.readerUp = true;
    this.readerBackoff = this.host.limits.backoffMinMs;
    this.lastReaderError = '';
    this.host.log.info(
      `rafthttp: established a TCP streaming connection with peer ${this.id} (stream reader) on ${url.href}`,
    );
    this.host.streamStatus(this.id, 'reader', true);
    const decoder = new FrameDecoder((frame) => this.host.receiveFrame(frame, this));
    res.on('data', (chunk: Buffer) => {
      if (this.reader !== req) return;
      try {
        decoder.push(chunk);
      } catch (e) {
        this.host.log.warn(`rafthttp: bad stream from peer ${this.id}: ${(e as Error).message}`);
        req.destroy();
      }
    });
    res.on('error', () => {});
  }

  private readerClosed(req: ClientRequest, url: PeerUrl): void {
    if (this.reader !== req) return;
    this.reader = null;
    if (this.readerUp) {
      this.readerUp = false;
      if (!this.closed) {
        this.host.log.warn(
          `rafthttp: lost the TCP streaming connection with peer ${this.id} (stream reader)`,
        );
        this.host.streamStatus(this.id, 'reader', false);
      }
    } else if (this.lastReaderError !== '') {
      this.failUrl(url);
    }
    if (this.closed) return;
    const delay = this.readerBackoff;
    this.readerBackoff = Math.min(this.readerBackoff * 2, this.host.limits.backoffMaxMs);
    this.readerTimer = setTimeout(() => {
      this.readerTimer = null;
      this.dial();
    }, delay);
    this.readerTimer.unref();
  }

  // ---- misc -----------------------------------------------------------------------

  private pickUrl(): PeerUrl {
    return this.urls[this.urlIndex % this.urls.length]!;
  }

  private failUrl(url: PeerUrl): void {
    const cur = this.urls[this.urlIndex % this.urls.length];
    if (cur !== undefined && cur.href === url.href)
      this.urlIndex = (this.urlIndex + 1) % this.urls.length;
  }

  /** Stops everything: the stream we read, the stream we write, timers. */
  stop(): void {
    this.closed = true;
    if (this.readerTimer !== null) {
      clearTimeout(this.readerTimer);
      this.readerTimer = null;
    }
    const r = this.reader;
    this.reader = null;
    this.readerUp = false;
    if (r !== null) r.destroy();
    const w = this.writer;
    this.writer = null;
    this.clearStall();
    if (w !== null) w.destroy();
    this.pending = [];
    this.pendingBytes = 0;
  }
}
