// The proxy's set of upstream client URLs (etcd proxy/director.go): refreshed from the
// cluster every `refreshMs` (30 s; every second while none is known), shuffled so
// proxies spread over members; an endpoint whose request failed is benched for
// `benchMs` (5 s) and then put back into rotation.
import type { Logger } from '../pkg/logger.js';

export const REFRESH_MS = 30_000;
export const REFRESH_EMPTY_MS = 1_000;
export const BENCH_MS = 5_000;

export class Endpoint {
  readonly url: URL;
  available = true;
  constructor(url: URL) {
    this.url = url;
  }
}

export interface DirectorOptions {
  /** The cluster's client URLs now ([] when they could not be learned). */
  urls: () => Promise<string[]>;
  logger: Logger;
  refreshMs?: number;
  benchMs?: number;
}

export class Director {
  private eps: Endpoint[] = [];
  private readonly opts: DirectorOptions;
  private readonly refreshMs: number;
  private readonly benchMs: number;
  private timer: NodeJS.Timeout | null = null;
  private readonly benched = new Set<NodeJS.Timeout>();
  private stopped = false;
  /** Rotates the starting endpoint so load is spread over the available ones. */
  private next = 0;

  constructor(opts: DirectorOptions) {
    this.opts = opts;
    this.refreshMs = opts.refreshMs ?? REFRESH_MS;
    this.benchMs = opts.benchMs ?? BENCH_MS;
  }

  /** First refresh, then the periodic ones. */
  async start(): Promise<void> {
    await this.refresh();
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    const wait =
      this.eps.length === 0 ? Math.min(REFRESH_EMPTY_MS, this.refreshMs) : this.refreshMs;
    this.timer = setTimeout(() => {
      this.refresh().then(
        () => this.schedule(),
        () => this.schedule(),
      );
    }, wait);
    this.timer.unref();
  }

  async refresh(): Promise<void> {
    const urls = await this.opts.urls();
    if (this.stopped) return;
    const eps: Endpoint[] = [];
    for (const s of urls) {
      let u: URL;
      try {
        u = new URL(s);
      } catch {
        this.opts.logger.info(`proxy: upstream URL invalid: ${s}`);
        continue;
      }
      // An endpoint still benched stays benched across a refresh.
      const old = this.eps.find((e) => e.url.href === u.href);
      eps.push(old ?? new Endpoint(u));
    }
    // Shuffle, as etcd does, so proxies do not all stick to the first member.
    for (let i = eps.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      const t = eps[i]!;
      eps[i] = eps[j]!;
      eps[j] = t;
    }
    if (eps.length > 0 || this.eps.length > 0) {
      const before = this.eps
        .map((e) => e.url.href)
        .sort()
        .join(',');
      const after = eps
        .map((e) => e.url.href)
        .sort()
        .join(',');
      if (before !== after)
        this.opts.logger.info(
          `proxy: endpoints found ${JSON.stringify(eps.map((e) => e.url.href.replace(/\/$/, '')))}`,
        );
    }
    this.eps = eps;
  }

  /** The available endpoints, starting from a rotating position (round robin). */
  endpoints(): Endpoint[] {
    const out: Endpoint[] = [];
    const n = this.eps.length;
    if (n === 0) return out;
    const start = this.next++ % n;
    if (this.next > 1e9) this.next = 0;
    for (let k = 0; k < n; k++) {
      const e = this.eps[(start + k) % n]!;
      if (e.available) out.push(e);
    }
    return out;
  }

  /** Benches `ep` for benchMs. */
  failed(ep: Endpoint): void {
    if (!ep.available) return;
    ep.available = false;
    const href = ep.url.href.replace(/\/$/, '');
    this.opts.logger.info(`proxy: marked endpoint ${href} unavailable`);
    const t = setTimeout(() => {
      this.benched.delete(t);
      ep.available = true;
      this.opts.logger.info(`proxy: marked endpoint ${href} available`);
    }, this.benchMs);
    t.unref();
    this.benched.add(t);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const t of this.benched) clearTimeout(t);
    this.benched.clear();
  }
}
