// One remote member: what it is (kind.ts) and the link that speaks its wire: our own
// (peer.ts: framed batches on a stream, snapshots on their own path) to members of this
// project and to members not identified yet, etcd 2.0's (go-peer.ts) to Go members.
import type { Message, NodeId } from '../raft/types.js';
import { GoPeer } from './go-peer.js';
import type { PeerHost } from './host.js';
import { PeerKind, probeKind } from './kind.js';
import { Peer } from './peer.js';
import { FollowerStats } from './stats.js';
import { UrlPicker } from './url.js';

export class Remote {
  readonly stats = new FollowerStats();
  kind = PeerKind.Unknown;
  ours: Peer | null = null;
  readonly go: GoPeer;
  private urls: string[];
  private readonly goUrls: UrlPicker;
  private probing: (() => void) | null = null;
  private probeTimer: NodeJS.Timeout | null = null;
  private probeBackoff: number;
  private closed = false;

  constructor(
    readonly id: NodeId,
    urls: string[],
    private readonly host: PeerHost,
    private readonly onKind: (r: Remote, kind: PeerKind) => void,
  ) {
    this.urls = urls;
    this.goUrls = new UrlPicker(urls);
    this.go = new GoPeer(id, this.goUrls, host, this.stats);
    this.probeBackoff = host.limits.backoffMinMs;
  }

  /**
   * Until the remote is identified, our own wire is tried (a Go member refuses it with a
   * 400, which only costs a retransmission); the probe settles it within a round trip.
   */
  start(): void {
    this.ours = new Peer(this.id, this.urls, this.host, this.stats);
    this.ours.start();
    this.probe();
  }

  send(m: Message): void {
    if (this.ours !== null) this.ours.enqueue(m);
    else this.go.enqueue(m);
  }

  updateUrls(urls: string[]): void {
    this.urls = urls;
    this.goUrls.update(urls);
    this.ours?.updateUrls(urls);
    this.reprobe();
  }

  setClusterId(cid: string): void {
    this.ours?.setClusterId(cid);
    this.go.setClusterId(cid);
  }

  keepalive(): void {
    this.ours?.keepalive();
    this.go.keepalive();
  }

  /** Learnt what the remote is (from a probe, or from a request it sent us). */
  setKind(kind: PeerKind): void {
    if (this.closed || kind === this.kind || kind === PeerKind.Unknown) return;
    this.kind = kind;
    if (kind === PeerKind.Ours) {
      if (this.ours === null) {
        this.ours = new Peer(this.id, this.urls, this.host, this.stats);
        this.ours.start();
      }
    } else if (this.ours !== null) {
      this.ours.stop();
      this.ours = null;
    }
    this.onKind(this, kind);
  }

  /** The remote refused our wire: it may have been restarted as the other kind. */
  reprobe(): void {
    if (this.probing !== null || this.probeTimer !== null) return;
    this.probe();
  }

  private probe(): void {
    if (this.closed || this.goUrls.empty) return;
    const url = this.goUrls.pick();
    this.probing = probeKind(this.host, url, (kind) => {
      this.probing = null;
      if (this.closed) return;
      if (kind !== null) {
        this.probeBackoff = this.host.limits.backoffMinMs;
        this.setKind(kind);
        return;
      }
      this.goUrls.fail(url);
      const delay = this.probeBackoff;
      this.probeBackoff = Math.min(this.probeBackoff * 2, 2000);
      this.probeTimer = setTimeout(() => {
        this.probeTimer = null;
        this.probe();
      }, delay);
      this.probeTimer.unref();
    });
  }

  stop(): void {
    this.closed = true;
    if (this.probing !== null) this.probing();
    this.probing = null;
    if (this.probeTimer !== null) clearTimeout(this.probeTimer);
    this.probeTimer = null;
    this.ours?.stop();
    this.go.stop();
  }
}
