// The few v2 keys requests discovery needs, over node:http(s), optionally through an HTTP
// proxy (--discovery-proxy). Kept here rather than in client/ so discovery can run before
// anything else is up, exactly as etcd's discovery package did with its own client.
import { type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface V2Node {
  key: string;
  value?: string;
  dir?: boolean;
  nodes?: V2Node[];
  createdIndex: number;
  modifiedIndex: number;
}

export interface V2Response {
  status: number;
  /** X-Etcd-Index */
  etcdIndex: number;
  action?: string;
  node?: V2Node;
  errorCode?: number;
  message?: string;
}

export class TimeoutError extends Error {
  constructor() {
    super('client: request timed out');
    this.name = 'TimeoutError';
  }
}

export interface V2Options {
  /** http://host:port of an HTTP proxy, or null. */
  proxy: URL | null;
  /** Per request; 0 for none (watches). */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** One request to `<origin><path>?<query>`; resolves with the decoded v2 answer. */
export function v2Request(
  origin: URL,
  method: 'GET' | 'PUT',
  path: string,
  query: Record<string, string>,
  form: Record<string, string> | null,
  opts: V2Options,
): Promise<V2Response> {
  const target = new URL(origin.href);
  target.pathname = path;
  for (const [k, v] of Object.entries(query)) target.searchParams.set(k, v);
  const body = form ? new URLSearchParams(form).toString() : null;
  const headers: Record<string, string> = {};
  if (body !== null) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    headers['Content-Length'] = String(Buffer.byteLength(body));
  }
  return new Promise((resolve, reject) => {
    let req: ReturnType<typeof httpRequest>;
    if (opts.proxy && target.protocol === 'http:') {
      // Plain HTTP through a proxy: absolute URI in the request line.
      req = httpRequest({
        host: opts.proxy.hostname,
        port: opts.proxy.port || 80,
        method,
        path: target.href,
        headers: { ...headers, Host: target.host },
        signal: opts.signal,
      });
    } else {
      const fn = target.protocol === 'https:' ? httpsRequest : httpRequest;
      req = fn(target, { method, headers, signal: opts.signal });
    }
    let timer: NodeJS.Timeout | null = null;
    if (opts.timeoutMs > 0) {
      timer = setTimeout(() => req.destroy(new TimeoutError()), opts.timeoutMs);
    }
    const done = () => {
      if (timer) clearTimeout(timer);
    };
    req.on('error', (e) => {
      done();
      reject(e);
    });
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => {
        done();
        reject(e);
      });
      res.on('end', () => {
        done();
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: Partial<V2Response> = {};
        try {
          parsed = JSON.parse(text) as Partial<V2Response>;
        } catch {
          reject(
            new Error(
              `discovery: unexpected response (HTTP ${res.statusCode}): ${text.slice(0, 200)}`,
            ),
          );
          return;
        }
        const idx = Number(res.headers['x-etcd-index'] ?? 0);
        resolve({
          ...parsed,
          status: res.statusCode ?? 0,
          etcdIndex: Number.isFinite(idx) ? idx : 0,
        });
      });
    });
    if (body !== null) req.write(body);
    req.end();
  });
}
