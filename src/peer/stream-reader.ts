// Our side of the stream a peer writes to us: we keep GET /raft/stream/<our id> open on
// the peer, decode the frames it writes on the response, and redial with back-off
// whenever it drops. The receiver dials (as in etcd), so the long response is never cut
// by a listener's request timeouts, and a removed or foreign member learns it from the
// answer to its own dial (410 or 412).
import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { NodeId } from '../raft/types.js';
import { FrameDecoder } from './frame.js';
import type { PeerHost } from './host.js';
import { clusterIdOf, HEADER_CLUSTER_ID, RAFT_STREAM_PREFIX, readStream } from './http-util.js';
import type { PeerUrl, UrlPicker } from './url.js';

export class StreamReader {
  private req: ClientRequest | null = null;
  private up = false;
  private upSince = 0;
  private timer: NodeJS.Timeout | null = null;
  private backoff: number;
  private lastError = '';
  private closed = false;

  constructor(
    private readonly peerId: NodeId,
    private readonly urls: UrlPicker,
    private readonly headers: OutgoingHttpHeaders,
    private readonly host: PeerHost,
  ) {
    this.backoff = host.limits.backoffMinMs;
  }

  get connected(): boolean {
    return this.up;
  }

  start(): void {
    this.dial();
  }

  /** Drops the current connection (for instance after a URL change); it is redialled. */
  reconnect(): void {
    if (this.req !== null) this.req.destroy();
  }

  stop(): void {
    this.closed = true;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const r = this.req;
    this.req = null;
    this.up = false;
    if (r !== null) r.destroy();
  }

  private dial(): void {
    if (this.closed || this.req !== null || this.urls.empty) return;
    const url = this.urls.pick();
    const req = this.host.request(url, 'GET', RAFT_STREAM_PREFIX + this.host.localId, this.headers);
    this.req = req;
    req.setNoDelay(true);
    req.setTimeout(this.host.limits.requestTimeoutMs, () => req.destroy(new Error('i/o timeout')));
    req.on('response', (res: IncomingMessage) => this.response(req, res, url));
    req.on('error', (e: NodeJS.ErrnoException) => {
      this.lastError = e.message;
      if (e.code === 'ECONNREFUSED') this.host.peerRefused(this.peerId);
    });
    req.on('close', () => this.closedConn(req, url));
    req.end();
  }

  private response(req: ClientRequest, res: IncomingMessage, url: PeerUrl): void {
    if (this.req !== req) {
      req.destroy();
      return;
    }
    const status = res.statusCode ?? 0;
    if (status !== 200) {
      res.resume();
      this.lastError = `status ${status}`;
      if (status === 410) this.host.removedByRemote(this.peerId);
      else if (status === 412) this.host.clusterMismatch(this.peerId, clusterIdOf(res));
      else this.host.wireRefused(this.peerId, status);
      req.destroy();
      return;
    }
    const got = res.headers['x-etcd-cluster-id'];
    if (got !== this.headers[HEADER_CLUSTER_ID]) {
      this.host.clusterMismatch(this.peerId, typeof got === 'string' ? got : '');
      this.lastError = 'cluster ID mismatch';
      req.destroy();
      return;
    }
    // From now on the timeout is for silence: the writer sends keepalives when idle.
    req.setTimeout(this.host.limits.readIdleTimeoutMs);
    res.socket.setKeepAlive(true, 5000);
    this.up = true;
    this.upSince = this.host.now();
    this.backoff = this.host.limits.backoffMinMs;
    this.lastError = '';
    this.host.log.info(
      `rafthttp: established a TCP streaming connection with peer ${this.peerId} (stream reader) on ${url.href}`,
    );
    this.host.streamStatus(this.peerId, 'reader', true);
    const from = this.peerId;
    const decoder = new FrameDecoder((frame) => this.host.receiveFrame(frame, from));
    readStream(req, res, decoder, () => this.req === req, this.host.log, from);
  }

  private closedConn(req: ClientRequest, url: PeerUrl): void {
    if (this.req !== req) return;
    this.req = null;
    const wasUp = this.up;
    if (wasUp) {
      this.up = false;
      if (!this.closed) {
        this.host.log.warn(
          `rafthttp: lost the TCP streaming connection with peer ${this.peerId} (stream reader)`,
        );
        this.host.streamStatus(this.peerId, 'reader', false);
      }
    } else if (this.lastError !== '') {
      this.urls.fail(url);
    }
    if (this.closed) return;
    // A stream that had been up a while is redialled at once: if the peer's process is gone,
    // the refused dial tells raft now (a leader's followers then elect without waiting out
    // a timeout). One that keeps dropping as soon as it is up backs off as any failed dial.
    const settled = wasUp && this.host.now() - this.upSince >= this.host.limits.backoffMaxMs;
    const delay = settled ? 0 : this.backoff;
    if (!settled) this.backoff = Math.min(this.backoff * 2, this.host.limits.backoffMaxMs);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.dial();
    }, delay);
    this.timer.unref();
  }
}
