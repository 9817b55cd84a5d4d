// Peer URLs: parsed once, and a picker that sticks to the URL that works and moves to
// the next one on a failure (etcd's urlPicker).

export interface PeerUrl {
  readonly href: string;
  readonly https: boolean;
  readonly hostname: string;
  readonly port: number;
}

export function parsePeerUrl(s: string): PeerUrl {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new Error(`invalid peer URL ${JSON.stringify(s)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new Error(`peer URL ${s} must be http or https`);
  }
  const https = u.protocol === 'https:';
  let host = u.hostname;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const port = u.port === '' ? (https ? 443 : 80) : Number(u.port);
  return { href: `${u.protocol}//${u.host}`, https, hostname: host, port };
}

export class UrlPicker {
  private urls: PeerUrl[];
  private index = 0;

  constructor(urls: string[]) {
    this.urls = urls.map(parsePeerUrl);
  }

  get empty(): boolean {
    return this.urls.length === 0;
  }

  /** The URL to use now (the picker must not be empty). */
  pick(): PeerUrl {
    return this.urls[this.index % this.urls.length]!;
  }

  /** A request on `url` failed: move on, unless another failure already did. */
  fail(url: PeerUrl): void {
    if (this.urls.length === 0) return;
    if (this.pick().href === url.href) this.index = (this.index + 1) % this.urls.length;
  }

  /** Replaces the URLs; returns false when the one in use is no longer among them. */
  update(urls: string[]): boolean {
    const current = this.urls.length > 0 ? this.pick() : undefined;
    const next = urls.map(parsePeerUrl);
    this.urls = next;
    const keep = current === undefined ? -1 : next.findIndex((u) => u.href === current.href);
    this.index = Math.max(keep, 0);
    return keep >= 0;
  }
}
