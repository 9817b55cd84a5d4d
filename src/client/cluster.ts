// The endpoint list and failover: a request goes to the pinned endpoint and on a
// connection error, header timeout or 5xx answer moves on to the next one; the endpoint
// that answers becomes the pinned one. Every endpoint failing is a ClusterError.
import { STATUS_CODES } from 'node:http';
import { ClusterError, EndpointError, EtcdError, NoEndpointsError } from './errors.js';
import { AbortError, Endpoint, type RawResponse, type SendOptions, send } from './transport.js';
import type { TlsOptions } from './types.js';

/** Server errors the Go client names by their status text (same words as Node's). */
const NAMED_STATUSES = new Set([501, 502, 504, 505]);

export interface DoOptions {
  method: string;
  /** Path relative to the endpoint's base path, already escaped, with its query. */
  path: string;
  body: string | null;
  contentType: string | null;
  /** Header timeout (ms); 0 = none. */
  timeout: number;
  signal: AbortSignal | null;
  /** False for requests that must not be sent twice (POST): they are retried only when
   *  the request surely did not reach the server. */
  idempotent: boolean;
  onHeaders: SendOptions['onHeaders'];
  /** False: try only the pinned endpoint once, and on failure pin the next one (the
   *  caller retries; a watch must rebuild its request with the right index). */
  failover: boolean;
}

/** The request surely never reached a server: safe to send again anywhere. */
function notSent(e: EndpointError): boolean {
  return (
    e.code === 'ECONNREFUSED' ||
    e.code === 'ENOTFOUND' ||
    e.code === 'EAI_AGAIN' ||
    e.code === 'EHOSTUNREACH' ||
    e.code === 'ERESET_REUSED'
  );
}

function serverError(ep: Endpoint, res: RawResponse): EndpointError {
  let etcd = null;
  try {
    const b = JSON.parse(res.body) as { errorCode?: number };
    if (typeof b.errorCode === 'number')
      etcd = EtcdError.from(b as { errorCode: number }, res.status);
  } catch {
    // not JSON
  }
  if (res.status === 500 || res.status === 503) {
    return new EndpointError(
      ep.url,
      'ESERVER',
      `client: etcd member ${ep.url} has no leader`,
      etcd,
    );
  }
  const text = NAMED_STATUSES.has(res.status) ? STATUS_CODES[res.status]! : `${res.status}`;
  return new EndpointError(
    ep.url,
    'ESERVER',
    `client: etcd member ${ep.url} returns server error [${text}]`,
    etcd,
  );
}

export class EndpointSet {
  private eps: Endpoint[];
  private pinned = 0;
  private readonly tls: TlsOptions | undefined;
  private readonly authorization: string | null;
  private readonly rounds: number;
  /** Called before every attempt (etcdctl --debug prints a cURL line per attempt). */
  onSend: ((method: string, url: string, body: string | null) => void) | null = null;

  constructor(
    urls: readonly string[],
    tls: TlsOptions | undefined,
    authorization: string | null,
    rounds: number,
  ) {
    if (urls.length === 0) throw new NoEndpointsError();
    this.tls = tls;
    this.authorization = authorization;
    this.rounds = Math.max(1, rounds);
    this.eps = urls.map((u) => new Endpoint(u, tls));
  }

  urls(): string[] {
    return this.eps.map((e) => e.url);
  }

  pinnedUrl(): string {
    return this.eps[this.pinned]!.url;
  }

  /** Replaces the list (never with an empty one); keeps pools of endpoints that stay and
   *  keeps the pinned endpoint pinned if it is still listed. */
  set(urls: readonly string[]): void {
    if (urls.length === 0) throw new NoEndpointsError();
    const old = new Map(this.eps.map((e) => [e.url, e]));
    const current = this.eps[this.pinned]!.url;
    const next: Endpoint[] = [];
    for (const u of urls) {
      const fresh = new Endpoint(u, this.tls);
      const kept = old.get(fresh.url);
      if (kept !== undefined) {
        fresh.close();
        if (!next.includes(kept)) next.push(kept);
        old.delete(fresh.url);
      } else if (!next.some((e) => e.url === fresh.url)) {
        next.push(fresh);
      } else {
        fresh.close();
      }
    }
    for (const e of old.values()) e.close();
    this.eps = next;
    const p = next.findIndex((e) => e.url === current);
    this.pinned = Math.max(p, 0);
  }

  close(): void {
    for (const e of this.eps) e.close();
  }

  async do(o: DoOptions): Promise<RawResponse> {
    const errors: Error[] = [];
    const so: SendOptions = {
      method: o.method,
      path: '',
      body: o.body,
      contentType: o.contentType,
      authorization: this.authorization,
      timeout: o.timeout,
      signal: o.signal,
      onHeaders: o.onHeaders,
    };
    const rounds = o.failover ? this.rounds : 1;
    for (let round = 0; round < rounds; round++) {
      const eps = this.eps;
      const n = o.failover ? eps.length : 1;
      const start = this.pinned;
      for (let i = 0; i < n; i++) {
        const k = (start + i) % eps.length;
        const ep = eps[k]!;
        so.path = ep.basePath + o.path;
        if (this.onSend !== null) this.onSend(o.method, ep.url + o.path, o.body);
        let res: RawResponse;
        try {
          res = await send(ep, so);
        } catch (e) {
          if (e instanceof AbortError) throw e;
          if (!(e instanceof EndpointError)) throw e;
          if (e.code === 'ERESET_REUSED') {
            // The server closed an idle keep-alive socket: retry once on a fresh one.
            try {
              res = await send(ep, so);
            } catch (e2) {
              if (!(e2 instanceof EndpointError)) throw e2;
              errors.push(e2);
              if (!o.idempotent && !notSent(e2)) throw new ClusterError(errors);
              continue;
            }
          } else {
            errors.push(e);
            if (!o.idempotent && !notSent(e)) throw new ClusterError(errors);
            continue;
          }
        }
        if (res.status >= 500) {
          errors.push(serverError(ep, res));
          if (!o.idempotent) throw new ClusterError(errors);
          continue;
        }
        if (k !== this.pinned && eps === this.eps) this.pinned = k;
        return res;
      }
    }
    if (!o.failover) this.pinned = (this.pinned + 1) % this.eps.length;
    throw new ClusterError(errors);
  }
}
