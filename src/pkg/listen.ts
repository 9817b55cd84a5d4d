// Listening on one client or peer URL as etcd does: http or https by the URL's scheme,
// "localhost" bound to 127.0.0.1 (Go's choice; Node might pick ::1 alone), no request
// timeout (long polls and streams live long), and Go's words for bind errors.
//
// Broken HTTP gets Go's net/http answers and never holds the server: headers up to Go's
// 1 MiB (+4 KiB for the request line; a 100 KB key path is legal in etcd), read within
// HEADERS_TIMEOUT_MS (a client holding half-sent headers is dropped then, and costs an
// idle socket meanwhile), malformed requests answered "400 Bad Request" as Go words it.
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { createServer as createHttpsServer } from 'node:https';
import { BodyReadError } from './http1/body-read-error.js';
import { goRawError } from './http1/go-raw-error.js';
import { serverTlsOptions, type TlsInfo, tlsInfoEmpty } from './tls.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export { BodyReadError };

/** Go's error text for a body the parser refused midway, by llhttp's error code. */
function bodyErrorText(code: string | undefined): string {
  if (code === 'HPE_INVALID_CHUNK_SIZE') return 'invalid byte in chunk length';
  return 'unexpected EOF';
}

/** Go's http.DefaultMaxHeaderBytes plus the 4096 bytes of slack its server adds. */
export const MAX_HEADER_BYTES = (1 << 20) + 4096;
export const HEADERS_TIMEOUT_MS = 60_000;

function onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE') {
    socket.destroy();
    return;
  }
  // The headers were fine and a handler is reading the body: as Go, the handler sees a
  // read error and answers (etcd: 400 "Invalid POST form"), then the connection closes.
  const res = (socket as { _httpMessage?: ServerResponse })._httpMessage;
  const req = res?.req;
  if (res && req && !res.headersSent && !req.complete && req.listenerCount('error') > 0) {
    res.shouldKeepAlive = false;
    req.emit('error', new BodyReadError(bodyErrorText(err.code)));
    return;
  }
  if (err.code === 'HPE_HEADER_OVERFLOW') goRawError(socket, '431 Request Header Fields Too Large');
  else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') goRawError(socket, '408 Request Timeout');
  else goRawError(socket, '400 Bad Request');
}

/** Go refuses an HTTP/1.1 request without Host before any handler sees it. */
function requireHost(handler: RequestHandler): RequestHandler {
  return (req, res) => {
    if (req.httpVersionMinor >= 1 && req.httpVersionMajor === 1 && req.headers.host === undefined) {
      res.detachSocket(req.socket);
      goRawError(req.socket, '400 Bad Request: missing required Host header');
      return;
    }
    handler(req, res);
  };
}

/** A node:http server with the limits above, for the client and peer listeners. */
export function hardenServer(server: Server): Server {
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.on('clientError', onClientError);
  return server;
}

export function describeListenError(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'EADDRINUSE':
      return 'bind: address already in use';
    case 'EACCES':
      return 'bind: permission denied';
    case 'EADDRNOTAVAIL':
      return 'bind: cannot assign requested address';
    default:
      return e.message;
  }
}

/**
 * How long a client has to send a whole request, headers and body (a watch's long answer
 * is not counted: only receiving the request is). A body trickled slower than 10 MiB in 5
 * minutes is dropped rather than held forever. Peer listeners have none (their requests
 * may stream).
 */
export const CLIENT_REQUEST_TIMEOUT_MS = 300_000;

/** Listens on `url`; failures reject with `makeError(message)` in etcd's wording. */
export function listenOnUrl(
  url: string,
  tls: TlsInfo,
  handler: RequestHandler,
  makeError: (message: string) => Error,
  opts: { requestTimeoutMs?: number } = {},
): Promise<Server> {
  const u = new URL(url);
  const secure = u.protocol === 'https:';
  if (secure && tlsInfoEmpty(tls)) {
    return Promise.reject(
      makeError(`TLS key/cert (--cert-file, --key-file) must be provided for ${url}`),
    );
  }
  const so: ServerOptions = { maxHeaderSize: MAX_HEADER_BYTES, requireHostHeader: false };
  const h = requireHost(handler);
  const server: Server = secure
    ? (createHttpsServer({ ...serverTlsOptions(tls), ...so }, h) as unknown as Server)
    : createHttpServer(so, h);
  hardenServer(server);
  server.requestTimeout = opts.requestTimeoutMs ?? 0;
  server.keepAliveTimeout = 30_000;
  let host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  if (host === 'localhost') host = '127.0.0.1';
  const port = Number(u.port || (secure ? 443 : 80));
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.removeListener('listening', onListening);
      reject(makeError(`listen tcp ${u.host}: ${describeListenError(e)}`));
    };
    const onListening = () => {
      server.removeListener('error', onError);
      resolve(server);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host: host === '' ? undefined : host, port });
  });
}
