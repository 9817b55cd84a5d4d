// The proxying request handler (etcd proxy/reverse.go): the request goes to the first
// available endpoint that answers; an endpoint that cannot be reached is benched and
// the next one tried (the client's body is buffered for that). The response is streamed
// back as it arrives (watches), and the upstream request is torn down when the client
// goes away. Nothing outlives the request: no per-request state is kept anywhere.
import {
  Agent as HttpAgent,
  type IncomingMessage,
  request as httpRequest,
  type ServerResponse,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Logger } from '../pkg/logger.js';
import type { ClientTlsOptions } from '../pkg/tls.js';
import type { Director, Endpoint } from './director.js';
import { stripHopHeaders, withForwardedFor } from './hop-headers.js';

/** How long connecting to an endpoint may take before it counts as failed. */
export const DIAL_TIMEOUT_MS = 1000;

export interface ReverseOptions {
  director: Director;
  logger: Logger;
  /** TLS for https:// endpoints (the client TLS flags, as etcd's proxy transport). */
  tls?: ClientTlsOptions;
  dialTimeoutMs?: number;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface ReverseProxy {
  handler: Handler;
  /** Closes the pooled upstream connections. */
  close(): void;
}

function writeJsonError(res: ServerResponse, status: number, message: string): void {
  const body = `${JSON.stringify({ message })}`;
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

export function createReverseProxy(opts: ReverseOptions): ReverseProxy {
  const { director, logger } = opts;
  const dialTimeout = opts.dialTimeoutMs ?? DIAL_TIMEOUT_MS;
  // Pooled keep-alive connections, with a bounded number of idle ones kept.
  const httpAgent = new HttpAgent({ keepAlive: true, maxFreeSockets: 64 });
  const httpsAgent = new HttpsAgent({ keepAlive: true, maxFreeSockets: 64, ...opts.tls });

  const handler: Handler = (req, res) => {
    const method = req.method ?? 'GET';
    // Bodies are read whole first so that a failed endpoint can be retried on the next.
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = chunks.length === 0 ? null : Buffer.concat(chunks);
      chunks.length = 0;
      const headers = withForwardedFor(stripHopHeaders(req.rawHeaders), req.socket.remoteAddress);
      const eps = director.endpoints();
      if (eps.length === 0) {
        const msg = 'httpproxy: zero endpoints currently available';
        logger.info(msg);
        writeJsonError(res, 503, msg);
        return;
      }
      tryEndpoint(req, res, method, headers, body, eps, 0);
    });
    req.on('error', () => res.destroy());
  };

  function tryEndpoint(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    headers: string[],
    body: Buffer | null,
    eps: Endpoint[],
    i: number,
  ): void {
    if (res.destroyed || req.socket.destroyed) return;
    if (i >= eps.length) {
      const msg = `httpproxy: unable to get response from ${eps.length} endpoint(s)`;
      logger.info(msg);
      writeJsonError(res, 502, msg);
      return;
    }
    const ep = eps[i]!;
    const secure = ep.url.protocol === 'https:';
    const outHeaders = body === null ? headers : withLength(headers, body.length);
    const up = (secure ? httpsRequest : httpRequest)({
      protocol: ep.url.protocol,
      hostname: ep.url.hostname.startsWith('[') ? ep.url.hostname.slice(1, -1) : ep.url.hostname,
      port: ep.url.port || (secure ? 443 : 80),
      method,
      path: req.url ?? '/',
      headers: outHeaders as unknown as Record<string, string>,
      agent: secure ? httpsAgent : httpAgent,
      setHost: false,
    });
    let answered = false;
    let dialTimer: NodeJS.Timeout | null = null;
    const clearDial = () => {
      if (dialTimer !== null) {
        clearTimeout(dialTimer);
        dialTimer = null;
      }
    };
    up.on('socket', (s) => {
      if (!s.connecting) return;
      dialTimer = setTimeout(() => up.destroy(new Error('dial timeout')), dialTimeout);
      s.once(secure ? 'secureConnect' : 'connect', clearDial);
    });
    // The client went away: stop the upstream request (a watch would otherwise linger).
    const onClientClose = () => {
      if (!res.writableFinished) up.destroy();
    };
    res.once('close', onClientClose);
    up.on('error', (e: Error) => {
      clearDial();
      if (answered) return;
      res.removeListener('close', onClientClose);
      if (res.destroyed) return;
      logger.info(
        `proxy: failed to direct request to ${ep.url.href.replace(/\/$/, '')}: ${e.message}`,
      );
      director.failed(ep);
      tryEndpoint(req, res, method, headers, body, eps, i + 1);
    });
    up.on('response', (upRes) => {
      answered = true;
      clearDial();
      const raw = stripHopHeaders(upRes.rawHeaders);
      // Go writes a Date only when the upstream response has none.
      for (let k = 0; k < raw.length; k += 2) {
        if (raw[k]!.toLowerCase() === 'date') {
          res.sendDate = false;
          break;
        }
      }
      res.writeHead(upRes.statusCode ?? 502, raw as unknown as Record<string, string>);
      // No length: a watch or a stream. Its headers go out now, as etcd flushes them.
      if (upRes.headers['content-length'] === undefined) res.flushHeaders();
      // Stream through, chunk by chunk, as it arrives (watch events reach the client at once).
      upRes.on('data', (c: Buffer) => {
        if (!res.write(c)) {
          upRes.pause();
          res.once('drain', () => upRes.resume());
        }
      });
      upRes.on('end', () => res.end());
      // The upstream died mid-response: end what the client has, as Go's io.Copy would.
      upRes.on('aborted', () => res.end());
      upRes.on('error', () => res.end());
    });
    up.end(body ?? undefined);
  }

  return {
    handler,
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

function withLength(headers: string[], n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.toLowerCase() === 'content-length') continue;
    out.push(headers[i]!, headers[i + 1]!);
  }
  out.push('Content-Length', String(n));
  return out;
}
