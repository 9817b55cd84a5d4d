// Listening on one client or peer URL as etcd does: http or https by the URL's scheme,
// "localhost" bound to 127.0.0.1 (Go's choice; Node might pick ::1 alone), no request
// timeout (long polls and streams live long), and Go's words for bind errors.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { serverTlsOptions, type TlsInfo, tlsInfoEmpty } from './tls.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

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

/** Listens on `url`; failures reject with `makeError(message)` in etcd's wording. */
export function listenOnUrl(
  url: string,
  tls: TlsInfo,
  handler: RequestHandler,
  makeError: (message: string) => Error,
): Promise<Server> {
  const u = new URL(url);
  const secure = u.protocol === 'https:';
  if (secure && tlsInfoEmpty(tls)) {
    return Promise.reject(
      makeError(`TLS key/cert (--cert-file, --key-file) must be provided for ${url}`),
    );
  }
  const server: Server = secure
    ? (createHttpsServer(serverTlsOptions(tls), handler) as unknown as Server)
    : createHttpServer(handler);
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
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
