// The client listener's request handler: /v2/keys to the keys API, and the other
// endpoints (members, machines, stats, version, health, metrics), with --cors around all
// of them, as etcd's client mux.
import type { HttpRequest, HttpResponse } from '../pkg/http1/types.js';
import type { KeysBackend } from './backend.js';
import { Cors } from './cors.js';
import { GetAnswers } from './get-answers.js';
import { handleKeys } from './keys.js';
import { handleMembers } from './members.js';
import {
  goHttpError,
  jsonMessage,
  methodNotAllowed,
  notFound,
  preparedText,
  writeJSON,
  writePrepared,
  writeText,
} from './respond.js';
import type { MembersApi, StatsApi } from './server-api.js';

export type ClientApi = KeysBackend &
  MembersApi &
  StatsApi & { healthy(): boolean; version(): string };

export interface ClientHandlerOptions {
  /** --cors origins; empty: no CORS headers. */
  cors?: readonly string[];
}

export type RequestHandler = (req: HttpRequest, res: HttpResponse) => void;

const KEYS = '/v2/keys';
/** The etcd release whose API this is: /version answers as that release does. */
export const ETCD_VERSION = '2.0.13';
/** /version and a healthy /health never change: their answers are made once. */
const VERSION_ANSWER = preparedText(200, `etcd ${ETCD_VERSION}`);
const HEALTHY_ANSWER = preparedText(200, '{"health": "true"}');

export function createClientHandler(
  member: ClientApi,
  opts: ClientHandlerOptions = {},
): RequestHandler {
  const cors = new Cors(opts.cors ?? []);
  const answers = new GetAnswers(member);

  const serveKeys = async (req: HttpRequest, res: HttpResponse, url: string): Promise<void> => {
    const t0 = performance.now();
    try {
      await handleKeys(req, res, member, answers);
    } catch (e) {
      internalError(res, e);
    }
    member.observeRequest(
      req.method ?? 'GET',
      res.statusCode,
      (performance.now() - t0) / 1000,
      url.includes('wait=true'),
    );
  };

  return (req, res) => {
    const url = req.url ?? '/';
    if (cors.handle(req, res)) return;
    // The hot path first: /v2/keys and /v2/keys/...
    if (
      url.startsWith(KEYS) &&
      (url.length === KEYS.length ||
        url.charCodeAt(KEYS.length) === 47 ||
        url.charCodeAt(KEYS.length) === 63)
    ) {
      if (req.method === 'GET') {
        const t0 = performance.now();
        const status = answers.serve(url, res);
        if (status !== 0) {
          member.observeRequest('GET', status, (performance.now() - t0) / 1000, false);
          return;
        }
      }
      void serveKeys(req, res, url);
      return;
    }
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const method = req.method ?? 'GET';
    switch (path) {
      case '/v2/machines':
        if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET,HEAD');
        return writeText(
          res,
          200,
          member
            .members()
            .flatMap((m) => m.clientURLs)
            .join(', '),
          method === 'HEAD',
        );
      case '/v2/stats/self':
        if (method !== 'GET') return methodNotAllowed(res, 'GET');
        return writeJSON(res, 200, member.selfStatsJSON());
      case '/v2/stats/leader': {
        if (method !== 'GET') return methodNotAllowed(res, 'GET');
        const s = member.leaderStatsJSON();
        if (s === null) return jsonMessage(res, 403, 'not current leader');
        return writeJSON(res, 200, s);
      }
      case '/v2/stats/store':
        if (method !== 'GET') return methodNotAllowed(res, 'GET');
        return writeJSON(res, 200, member.storeStatsJSON());
      case '/version':
        // etcd 2.0: plain text "etcd <version>" (the JSON form came with 2.1).
        if (method !== 'GET') return methodNotAllowed(res, 'GET');
        return writePrepared(res, VERSION_ANSWER);
      case '/health': {
        if (method !== 'GET') return methodNotAllowed(res, 'GET');
        // etcd 2.0.13's bytes: a space after the colon; the failure is an http.Error.
        if (!member.healthy()) return goHttpError(res, 503, '{"health": "false"}');
        return writePrepared(res, HEALTHY_ANSWER);
      }
      case '/metrics': {
        const body = member.metricsText();
        res.writeHead(200, {
          'Content-Type': 'text/plain; version=0.0.4; charset=utf-8',
          'Content-Length': Buffer.byteLength(body),
        });
        res.end(method === 'HEAD' ? undefined : body);
        return;
      }
    }
    if (path === '/v2/members' || path.startsWith('/v2/members/')) {
      handleMembers(req, res, path, member).catch((e) => internalError(res, e));
      return;
    }
    notFound(res);
  };
}

function internalError(res: HttpResponse, e: unknown): void {
  if (res.headersSent) {
    res.destroy(e as Error);
    return;
  }
  goHttpError(res, 500, (e as Error)?.message ?? 'Internal Server Error');
}

export { writeJSON };
