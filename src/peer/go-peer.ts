// A remote member that speaks etcd 2.0's rafthttp (a Go 2.0 member).
//
//   out: each message is one POST /raft (application/protobuf), at most GO_PIPELINES at a
//        time, as Go does; appends of the current term go on the stream the remote opened
//        to us (GET /raft/stream/<its id>, X-Raft-Term) when it is up. Successful append
//        responses waiting in the queue collapse into the newest one (they are
//        cumulative), where Go drops those sent within 50 ms of the previous one.
//   in:  after we acknowledge an append from it, we open its stream for us, as a Go
//        follower does, and rebuild the appends it writes there.
// Types 2.0 does not know (pre-vote, ReadIndex, transfer) are never sent: a cluster with
// a Go voter runs without them (see the server's wire-compat choice).
import type {
  ClientRequest,
  IncomingMessage,
  OutgoingHttpHeaders,
  ServerResponse,
} from 'node:http';
import { type Message, MessageType, type NodeId } from '../raft/types.js';
import { goEncodeMessage, goUnderstands } from './go-codec.js';
import {
  GO_STREAM_KEEPALIVE,
  GoStreamDecoder,
  encodeGoStreamBatch,
  fitsGoStream,
  goStreamAppend,
} from './go-stream.js';
import type { Flushable, PeerHost } from './host.js';
import {
  HEADER_CLUSTER_ID,
  HEADER_FROM,
  HEADER_TERM,
  HEADER_TO,
  HEADER_WIRE,
  RAFT_STREAM_PREFIX,
  readStream,
  WIRE_OURS,
  postRaft,
  type RaftPost,
} from './http-util.js';
import type { FollowerStats } from './stats.js';
import { checkShape } from './validate.js';
import type { PeerUrl, UrlPicker } from './url.js';

/** Concurrent POSTs to one peer (Go's connPerSender). */
export const GO_PIPELINES = 4;
/** Bytes buffered on the stream beyond which appends go by POST instead. */
const STREAM_HIGH_WATER = 4 << 20;

interface StreamWriter {
  res: ServerResponse;
  term: number;
  wrote: boolean;
}

interface StreamReader {
  req: ClientRequest;
  term: number;
  up: boolean;
}

export class GoPeer implements Flushable {
  scheduled = false;
  private queue: Message[] = [];
  /** The newest successful append response not sent yet (they are cumulative). */
  private ack: Message | null = null;
  private inflight = 0;
  private unreachable = false;
  private downUntil = 0;
  private backoff: number;
  private writer: StreamWriter | null = null;
  private reader: StreamReader | null = null;
  private readerRetryAt = 0;
  private closed = false;
  private readonly headers: OutgoingHttpHeaders;

  constructor(
    readonly id: NodeId,
    private readonly urls: UrlPicker,
    private readonly host: PeerHost,
    private readonly stats: FollowerStats,
  ) {
    this.headers = {
      [HEADER_CLUSTER_ID]: host.clusterId,
      [HEADER_FROM]: host.localId,
      [HEADER_WIRE]: WIRE_OURS,
    };
    this.backoff = host.limits.backoffMinMs;
  }

  setClusterId(cid: string): void {
    this.headers[HEADER_CLUSTER_ID] = cid;
  }

  get queuedMessages(): number {
    return this.queue.length + (this.ack === null ? 0 : 1);
  }

  get streamUp(): boolean {
    return this.writer !== null;
  }

  // ---- outgoing -------------------------------------------------------------------

  enqueue(m: Message): void {
    if (this.closed) return;
    if (!goUnderstands(m.type)) {
      this.host.counters.dropped++;
      return;
    }
    this.invalidate(m.term);
    if (m.type === MessageType.AppResp && !m.reject) {
      this.maybeOpenReader(m.term);
      const a = this.ack;
      if (a === null || m.term > a.term || (m.term === a.term && m.index >= a.index)) this.ack = m;
    } else if (this.writeStream(m)) {
      return;
    } else if (this.queue.length >= this.host.limits.maxPendingMessages) {
      this.dropped(m);
      this.host.counters.dropped++;
      this.unreachable = true;
    } else {
      this.queue.push(m);
    }
    if (!this.scheduled) this.host.scheduleFlush(this);
  }

  flush(): void {
    this.scheduled = false;
    if (this.closed) return;
    const now = this.host.now();
    if (now < this.downUntil || this.urls.empty) {
      // Recently unreachable: drop rather than queue; raft retransmits.
      for (const m of this.queue) this.dropped(m);
      this.host.counters.dropped += this.queue.length + (this.ack === null ? 0 : 1);
      this.queue = [];
      this.ack = null;
      this.unreachable = true;
    }
    while (this.inflight < GO_PIPELINES) {
      let m: Message | undefined;
      if (this.ack !== null) {
        m = this.ack;
        this.ack = null;
      } else {
        m = this.queue.shift();
      }
      if (m === undefined) break;
      this.post(m);
    }
    if (this.unreachable) {
      this.unreachable = false;
      this.host.reportUnreachable(this.id);
    }
  }

  private dropped(m: Message): void {
    if (m.type === MessageType.App) this.stats.fail++;
    else if (m.type === MessageType.Snap) this.host.reportSnapshot(this.id, false);
  }

  private post(m: Message): void {
    const body = goEncodeMessage(m);
    const snap = m.type === MessageType.Snap;
    const url = this.urls.pick();
    if (snap) {
      const md = m.snapshot!.metadata;
      this.host.log.info(
        `rafthttp: sending database snapshot [index: ${md.index}, term: ${md.term}, size ${m.snapshot!.data.length}] to ${this.id} (2.0 wire)`,
      );
    }
    this.inflight++;
    if (m.type === MessageType.App) this.host.self.sendAppend(this.host.now(), body.length);
    const limits = this.host.limits;
    const post: RaftPost = {
      to: this.id,
      url,
      headers: this.headers,
      contentType: 'application/protobuf',
      body,
      timeoutMs: snap ? limits.snapshotTimeoutMs : limits.requestTimeoutMs,
      drainAnswer: true,
    };
    postRaft(this.host, post, (status, err) => {
      this.inflight--;
      this.posted(m, status, err, url);
    });
  }

  private posted(m: Message, status: number, err: string, url: PeerUrl): void {
    const ok = status === 204;
    if (m.type === MessageType.App) {
      if (ok) this.stats.success++;
      else this.stats.fail++;
    }
    if (m.type === MessageType.Snap) this.host.reportSnapshot(this.id, ok);
    if (ok) {
      this.downUntil = 0;
      this.backoff = this.host.limits.backoffMinMs;
    } else {
      this.unreachable = true;
      // 2.0 answers 403 to a removed member; ours answer 410.
      if (status === 403 || status === 410) this.host.removedByRemote(this.id);
      if (status === 0) {
        this.urls.fail(url);
        this.host.log.debug(`rafthttp: failed to post to ${this.id} on ${url.href} (${err})`);
      } else if (status !== 412) {
        this.host.wireRefused(this.id, status);
      }
      this.downUntil = this.host.now() + this.backoff;
      this.backoff = Math.min(this.backoff * 2, this.host.limits.backoffMaxMs);
    }
    if (!this.scheduled && (this.unreachable || this.queue.length > 0 || this.ack !== null)) {
      this.host.scheduleFlush(this);
    }
  }

  /** Any message of a newer term ends the streams of older terms (as in 2.0). */
  private invalidate(term: number): void {
    const w = this.writer;
    if (w !== null && w.term < term) {
      this.writer = null;
      w.res.destroy();
    }
    const r = this.reader;
    if (r !== null && r.term < term) {
      this.reader = null;
      r.req.destroy();
    }
  }

  // ---- the stream the remote reads (we are its leader) -----------------------------

  private writeStream(m: Message): boolean {
    const w = this.writer;
    if (w === null || !fitsGoStream(m, w.term)) return false;
    if (w.res.writableLength > STREAM_HIGH_WATER) return false;
    const buf = encodeGoStreamBatch(m.entries);
    this.host.self.sendAppend(this.host.now(), buf.length);
    this.host.counters.streamWrites++;
    this.host.counters.streamMessages++;
    this.stats.success++;
    w.wrote = true;
    w.res.write(buf);
    return true;
  }

  /**
   * A follower opened GET /raft/stream/<its id> at `term`. Returns an error text when
   * refused (a stream of an older term than the one attached, as in 2.0).
   */
  attachWriter(res: ServerResponse, term: number): string | null {
    if (this.closed) return 'peer stopped';
    const old = this.writer;
    if (old !== null && term < old.term) {
      return `cannot attach out of data stream server [${term} / ${old.term}]`;
    }
    this.writer = null;
    if (old !== null) old.res.destroy();
    const w: StreamWriter = { res, term, wrote: false };
    this.writer = w;
    res.on('close', () => {
      if (this.writer !== w) return;
      this.writer = null;
      if (!this.closed) {
        this.host.log.info(
          `rafthttp: server streaming to ${this.id} at term ${term} has been stopped`,
        );
        this.host.streamStatus(this.id, 'writer', false);
      }
    });
    this.host.log.info(`rafthttp: stream to ${this.id} at term ${term} attached (2.0 wire)`);
    this.host.streamStatus(this.id, 'writer', true);
    return null;
  }

  /** Called every keepaliveMs: an idle stream gets an empty batch. */
  keepalive(): void {
    const w = this.writer;
    if (w === null) return;
    if (!w.wrote && w.res.writableLength === 0) w.res.write(GO_STREAM_KEEPALIVE);
    w.wrote = false;
  }

  // ---- the stream we read (it is our leader) ---------------------------------------

  private maybeOpenReader(term: number): void {
    if (this.reader !== null || this.urls.empty) return;
    const now = this.host.now();
    if (now < this.readerRetryAt) return;
    this.readerRetryAt = now + this.host.limits.backoffMaxMs;
    const url = this.urls.pick();
    const req = this.host.request(url, 'GET', RAFT_STREAM_PREFIX + this.host.localId, {
      ...this.headers,
      [HEADER_TO]: this.id,
      [HEADER_TERM]: String(term),
    });
    const r: StreamReader = { req, term, up: false };
    this.reader = r;
    req.setNoDelay(true);
    req.setTimeout(this.host.limits.requestTimeoutMs, () => req.destroy(new Error('i/o timeout')));
    req.on('response', (res: IncomingMessage) => {
      if (this.reader !== r || res.statusCode !== 200) {
        res.resume();
        if (res.statusCode === 403 || res.statusCode === 410) this.host.removedByRemote(this.id);
        req.destroy();
        return;
      }
      req.setTimeout(0);
      res.socket.setKeepAlive(true, 5000);
      r.up = true;
      this.readerRetryAt = 0;
      this.host.log.info(
        `rafthttp: starting client stream to ${this.id} at term ${term} (2.0 wire)`,
      );
      this.host.streamStatus(this.id, 'reader', true);
      const from = this.id;
      const to = this.host.localId;
      const decoder = new GoStreamDecoder((entries) => {
        if (this.reader !== r) return;
        const m = checkShape(goStreamAppend(entries, from, to, term));
        let size = 8;
        for (const e of entries) size += 24 + e.data.length;
        this.host.deliver(m, size);
      });
      readStream(req, res, decoder, () => this.reader === r, this.host.log, from);
    });
    req.on('error', () => {});
    req.on('close', () => {
      if (this.reader !== r) return;
      this.reader = null;
      if (r.up && !this.closed) {
        this.host.log.info(
          `rafthttp: client streaming to ${this.id} at term ${term} has been stopped`,
        );
        this.host.streamStatus(this.id, 'reader', false);
      }
    });
    req.end();
  }

  /** Stops the streams (both ways) and drops what is queued. */
  stop(): void {
    this.closed = true;
    const w = this.writer;
    const r = this.reader;
    this.writer = null;
    this.reader = null;
    if (w !== null) w.res.destroy();
    if (r !== null) r.req.destroy();
    this.queue = [];
    this.ack = null;
  }
}
