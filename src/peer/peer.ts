// One remote member as seen by the transport. Outgoing: a bounded queue of messages,
// flushed once per event-loop turn onto the stream the remote opened to us (its
// GET /raft/stream/<our id>, served by our handler), or, while no stream is up, as one
// POST /raft per batch (the pipeline). Snapshots go on their own POST /raft/snapshot.
// Incoming: a StreamReader keeps our GET /raft/stream/<our id> open on the remote.
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { type Message, MessageType, type NodeId } from '../raft/types.js';
import { approxMessageBytes, encodeFrames } from './frame.js';
import type { Flushable, PeerHost } from './host.js';
import {
  HEADER_CLUSTER_ID,
  HEADER_FROM,
  HEADER_TO,
  HEADER_WIRE,
  WIRE_OURS,
  postRaft,
  type RaftPost,
} from './http-util.js';
import { sendSnapshot } from './snapshot-sender.js';
import { FollowerStats } from './stats.js';
import { StreamReader } from './stream-reader.js';
import { type PeerUrl, UrlPicker } from './url.js';

enum Probe {
  None = 0,
  Heartbeat = 1,
  Append = 2,
}

/** A latency probe unanswered this long is abandoned (the message was lost). */
const PROBE_EXPIRY_MS = 5000;
const KEEPALIVE_FRAME = new Uint8Array(4);

export class Peer implements Flushable {
  private readonly urls: UrlPicker;
  private readonly reader: StreamReader;

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

  // Round-trip probe for the follower latency statistics.
  private probe = Probe.None;
  private probeIndex = 0;
  private probeAt = 0;

  private closed = false;
  /** Something was written on the stream since the last keepalive tick. */
  private wrote = false;
  private readonly headers: OutgoingHttpHeaders;
  private readonly sizes: number[] = [];

  constructor(
    readonly id: NodeId,
    urls: string[],
    private readonly host: PeerHost,
    readonly stats: FollowerStats = new FollowerStats(),
  ) {
    this.urls = new UrlPicker(urls);
    this.headers = {
      [HEADER_CLUSTER_ID]: host.clusterId,
      [HEADER_FROM]: host.localId,
      [HEADER_TO]: id,
      [HEADER_WIRE]: WIRE_OURS,
    };
    this.pipeBackoff = host.limits.backoffMinMs;
    this.reader = new StreamReader(id, this.urls, this.headers, host);
  }

  start(): void {
    this.reader.start();
  }

  setClusterId(cid: string): void {
    this.headers[HEADER_CLUSTER_ID] = cid;
  }

  /** New URLs: reconnect the stream we read from if its URL is gone. */
  updateUrls(urls: string[]): void {
    if (!this.urls.update(urls)) this.reader.reconnect();
  }

  /** True when the remote's stream to us is attached and writable. */
  get connected(): boolean {
    return this.writer !== null && !this.blocked;
  }

  get streamReading(): boolean {
    return this.reader.connected;
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
      for (let i = 0; i < snaps.length; i++) this.startSnapshot(snaps[i]!);
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
    this.wrote = true;
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

  /**
   * Called every keepaliveMs: an idle stream gets an empty frame, so that the reader's
   * idle timeout tells a silent stream from a dead connection.
   */
  keepalive(): void {
    if (this.writer !== null && !this.blocked && !this.wrote) this.writer.write(KEEPALIVE_FRAME);
    this.wrote = false;
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
    if (now < this.downUntil || this.urls.empty) {
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
    const url = this.urls.pick();
    this.inflight++;
    const post: RaftPost = {
      to: this.id,
      url,
      headers: this.headers,
      contentType: 'application/octet-stream',
      body,
      timeoutMs: this.host.limits.requestTimeoutMs,
      drainAnswer: false,
    };
    postRaft(this.host, post, (status, err) => {
      this.inflight--;
      this.pipelineDone(msgs, status, err, url);
    });
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
      else if (status !== 0) this.host.wireRefused(this.id, status);
      if (status === 0) {
        this.urls.fail(url);
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

  private startSnapshot(m: Message): void {
    if (this.snapshotInFlight || this.urls.empty) {
      const why = this.snapshotInFlight ? 'another is in flight' : 'the peer has no URL';
      this.host.log.warn(`rafthttp: dropped a snapshot to ${this.id} (${why})`);
      this.host.reportSnapshot(this.id, false);
      return;
    }
    this.snapshotInFlight = true;
    const url = this.urls.pick();
    sendSnapshot(this.host, this.id, url, this.headers, m, (ok) => {
      this.snapshotInFlight = false;
      if (!ok) {
        this.urls.fail(url);
        this.host.reportUnreachable(this.id);
      }
      this.host.reportSnapshot(this.id, ok);
    });
  }

  /** Stops everything: the stream we read, the stream we write, timers. */
  stop(): void {
    this.closed = true;
    this.reader.stop();
    const w = this.writer;
    this.writer = null;
    this.clearStall();
    if (w !== null) w.destroy();
    this.pending = [];
    this.pendingBytes = 0;
  }
}
