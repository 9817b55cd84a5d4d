// One HTTP(S) exchange with one endpoint over a keep-alive agent: node:http, not fetch,
// because it is faster for small requests (see bench/client.ts).
import * as http from 'node:http';
import * as https from 'node:https';
import { EndpointError } from './errors.js';
import type { TlsOptions } from './types.js';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One member's client URL with its own connection pool. */
export class Endpoint {
  readonly url: string;
  readonly secure: boolean;
  readonly hostname: string;
  readonly port: number;
  /** Path of the URL without a trailing slash ('' for most). */
  readonly basePath: string;
  readonly agent: http.Agent;

  constructor(raw: string, tls: TlsOptions | undefined) {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw new Error(`client: invalid endpoint ${JSON.stringify(raw)}`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw new Error(
        `client: invalid endpoint ${JSON.stringify(raw)}: scheme must be http or https`,
      );
    }
    this.secure = u.protocol === 'https:';
    this.hostname = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    this.port = u.port === '' ? (this.secure ? 443 : 80) : Number(u.port);
    this.basePath = u.pathname === '/' ? '' : u.pathname.replace(/\/+$/, '');
    this.url = `${u.protocol}//${u.host}${this.basePath}`;
    const agentOpts: https.AgentOptions = { keepAlive: true, scheduling: 'lifo' };
    if (this.secure) {
      agentOpts.minVersion = 'TLSv1.2';
      if (tls?.cert !== undefined) agentOpts.cert = tls.cert;
      if (tls?.key !== undefined) agentOpts.key = tls.key;
      if (tls?.ca !== undefined) agentOpts.ca = tls.ca;
      if (tls?.rejectUnauthorized !== undefined)
        agentOpts.rejectUnauthorized = tls.rejectUnauthorized;
      if (tls?.servername !== undefined) agentOpts.servername = tls.servername;
      this.agent = new https.Agent(agentOpts);
    } else {
      this.agent = new http.Agent(agentOpts);
    }
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface SendOptions {
  method: string;
  path: string;
  body: string | null;
  contentType: string | null;
  authorization: string | null;
  /** Header timeout in ms (0 = none). */
  timeout: number;
  signal: AbortSignal | null;
  /** Called when the headers arrive (watches read X-Etcd-Index before the event). */
  onHeaders: ((res: http.IncomingMessage) => void) | null;
}

function hostPort(address: string | undefined, port: number | undefined, ep: Endpoint): string {
  const host = address ?? ep.hostname;
  const p = port ?? ep.port;
  return host.includes(':') ? `[${host}]:${p}` : `${host}:${p}`;
}

/** A transport error in the Go client's words where it matters (etcdctl prints it). */
function endpointError(
  err: NodeJS.ErrnoException & { address?: string; port?: number },
  ep: Endpoint,
  reused: boolean,
): EndpointError {
  if (err instanceof EndpointError) return err;
  const code = err.code ?? 'EUNKNOWN';
  const hp = hostPort(err.address, err.port, ep);
  switch (code) {
    case 'ECONNREFUSED':
      return new EndpointError(ep.url, code, `dial tcp ${hp}: connect: connection refused`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new EndpointError(ep.url, code, `dial tcp: lookup ${ep.hostname}: no such host`);
    case 'ECONNRESET':
      return new EndpointError(
        ep.url,
        reused ? 'ERESET_REUSED' : code,
        `read tcp ${hp}: connection reset by peer`,
      );
    case 'EHOSTUNREACH':
      return new EndpointError(ep.url, code, `dial tcp ${hp}: connect: no route to host`);
    case 'ETIMEDOUT':
      return new EndpointError(ep.url, code, `dial tcp ${hp}: i/o timeout`);
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      return new EndpointError(ep.url, 'ETLS', 'x509: certificate signed by unknown authority');
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return new EndpointError(ep.url, 'ETLS', 'x509: certificate has expired or is not yet valid');
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return new EndpointError(ep.url, 'ETLS', `x509: ${err.message}`);
    case 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE':
    case 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED':
      return new EndpointError(ep.url, 'ETLS', 'remote error: tls: bad certificate');
    case 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA':
      return new EndpointError(ep.url, 'ETLS', 'remote error: tls: unknown certificate authority');
    default:
      return new EndpointError(ep.url, code, `${ep.url}: ${err.message}`);
  }
}

export class AbortError extends Error {
  readonly code = 'ABORT_ERR';
  constructor() {
    super('The operation was aborted');
    this.name = 'AbortError';
  }
}

// Header timeouts: one shared sweep instead of a timer per request (a timer per request
// costs more than the rest of the client's work on a keep-alive GET). The sweep runs
// only while requests are pending, so the granularity is SWEEP_MS.
interface Deadline {
  at: number;
  expire(): void;
}
const SWEEP_MS = 50;
const headerDeadlines = new Set<Deadline>();
let sweeper: NodeJS.Timeout | null = null;

function sweep(): void {
  const now = performance.now();
  for (const d of headerDeadlines) {
    if (d.at <= now) {
      headerDeadlines.delete(d);
      d.expire();
    }
  }
  if (headerDeadlines.size === 0 && sweeper !== null) {
    clearInterval(sweeper);
    sweeper = null;
  }
}

function watchDeadline(d: Deadline): void {
  headerDeadlines.add(d);
  if (sweeper === null) {
    sweeper = setInterval(sweep, SWEEP_MS);
    sweeper.unref();
  }
}

function headerTimeout(ep: Endpoint): EndpointError {
  return new EndpointError(
    ep.url,
    'ETIMEDOUT_HEADER',
    `client: endpoint ${ep.url} exceeded header timeout`,
  );
}

export function send(ep: Endpoint, o: SendOptions): Promise<RawResponse> {
  return new Promise<RawResponse>((resolve, reject) => {
    if (o.signal?.aborted) {
      reject(new AbortError());
      return;
    }
    const headers: http.OutgoingHttpHeaders = {};
    if (o.body !== null) {
      headers['content-type'] = o.contentType ?? 'application/x-www-form-urlencoded';
      headers['content-length'] = Buffer.byteLength(o.body);
    }
    if (o.authorization !== null) headers.authorization = o.authorization;
    const mod = ep.secure ? https : http;
    const req = mod.request({
      agent: ep.agent,
      hostname: ep.hostname,
      port: ep.port,
      method: o.method,
      path: o.path,
      headers,
    });
    let done = false;
    let deadline: Deadline | null = null;
    const onAbort = () => req.destroy(new AbortError());
    const finish = () => {
      done = true;
      if (deadline !== null) headerDeadlines.delete(deadline);
      o.signal?.removeEventListener('abort', onAbort);
    };
    if (o.timeout > 0) {
      deadline = {
        at: performance.now() + o.timeout,
        expire: () => req.destroy(headerTimeout(ep)),
      };
      watchDeadline(deadline);
    }
    o.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('response', (res) => {
      if (deadline !== null) {
        headerDeadlines.delete(deadline);
        // Headers that come after the deadline are too late, whether or not the sweep
        // has run yet: a timeout shorter than any round trip (`--timeout 1ns`) always
        // expires, as Go's ResponseHeaderTimeout does.
        if (performance.now() >= deadline.at) {
          finish();
          reject(headerTimeout(ep));
          req.destroy();
          return;
        }
        deadline = null;
      }
      if (o.onHeaders !== null) o.onHeaders(res);
      res.setEncoding('utf8');
      let data = '';
      res.on('data', (chunk: string) => {
        data += chunk;
      });
      res.on('end', () => {
        if (done) return;
        finish();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data });
      });
      res.on('close', () => {
        if (done) return;
        finish();
        if (o.signal?.aborted) reject(new AbortError());
        else
          reject(
            new EndpointError(
              ep.url,
              'ECONNRESET',
              `read tcp ${hostPort(undefined, undefined, ep)}: unexpected EOF`,
            ),
          );
      });
    });
    req.on('error', (err) => {
      if (done) return;
      finish();
      if (err instanceof AbortError) reject(err);
      else reject(endpointError(err, ep, req.reusedSocket));
    });
    if (o.body !== null) req.end(o.body);
    else req.end();
  });
}
