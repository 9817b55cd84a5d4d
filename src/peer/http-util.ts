// Small HTTP pieces shared by the peer handlers and senders.
import type {
  ClientRequest,
  IncomingMessage,
  OutgoingHttpHeaders,
  ServerResponse,
} from 'node:http';
import type { Logger } from '../pkg/logger.js';
import type { NodeId } from '../raft/types.js';
import type { PeerHost } from './host.js';
import type { PeerUrl } from './url.js';

export const HEADER_CLUSTER_ID = 'X-Etcd-Cluster-ID';
export const HEADER_FROM = 'X-Server-From';
export const HEADER_TO = 'X-Raft-To';
/** The term of a 2.0-wire stream request (etcd 2.0 requires it; ours do not send it). */
export const HEADER_TERM = 'X-Raft-Term';
/**
 * Marks a request or a peer /version answer as coming from a member of this project:
 * Go etcd never sends it, so its absence tells a Go member apart (see kind.ts).
 */
export const HEADER_WIRE = 'X-Etcd-Node-Wire';
export const WIRE_OURS = '1';

export const RAFT_PATH = '/raft';
export const RAFT_STREAM_PREFIX = '/raft/stream/';
export const RAFT_SNAPSHOT_PATH = '/raft/snapshot';
export const MEMBERS_PATH = '/members';
export const VERSION_PATH = '/version';

export const TEXT_CLUSTER_ID_MISMATCH = 'cluster ID mismatch';
export const TEXT_MEMBER_REMOVED = 'the member has been permanently removed from the cluster';

/** Go's http.Error: text/plain, nosniff, the message and a newline. */
export function httpError(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = `${text}\n`;
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

/** etcd's allowMethod: true for `method`, else a 405 with an Allow header and false. */
export function allowMethod(req: IncomingMessage, res: ServerResponse, method: string): boolean {
  if (req.method === method) return true;
  res.setHeader('Allow', method);
  httpError(res, 405, 'Method Not Allowed');
  return false;
}

/** A member ID as etcd parses it from a path: hex, at most 16 digits, not zero. */
export function parseMemberId(s: string): string | null {
  if (s.length === 0 || s.length > 16 || !/^[0-9a-fA-F]+$/.test(s)) return null;
  const id = s.toLowerCase().replace(/^0+/, '');
  return id === '' ? null : id;
}

/** The cluster ID a peer answered with (its refusals carry it too), or ''. */
export function clusterIdOf(res: IncomingMessage): string {
  const got = res.headers['x-etcd-cluster-id'];
  return typeof got === 'string' ? got : '';
}

/**
 * Feeds a stream response's chunks to its decoder while `current()` holds; bad bytes log
 * a warning and close the connection (the reader then reconnects).
 */
export function readStream(
  req: ClientRequest,
  res: IncomingMessage,
  decoder: { push(chunk: Uint8Array): void },
  current: () => boolean,
  log: Logger,
  from: string,
): void {
  res.on('data', (chunk: Buffer) => {
    if (!current()) return;
    try {
      decoder.push(chunk);
    } catch (e) {
      log.warn(`rafthttp: bad stream from peer ${from}: ${(e as Error).message}`);
      req.destroy();
    }
  });
  res.on('error', () => {});
}

export interface RaftPost {
  to: NodeId;
  url: PeerUrl;
  headers: OutgoingHttpHeaders;
  contentType: string;
  body: Uint8Array;
  timeoutMs: number;
  /** Done only once the answer's body has ended (the 2.0 wire), not on its headers. */
  drainAnswer: boolean;
}

/**
 * One POST /raft to a peer, counted; `done(status, error)` runs once, with status 0 when
 * the connection failed. A 412 reports the cluster ID the remote answered with.
 */
export function postRaft(
  host: PeerHost,
  p: RaftPost,
  done: (status: number, err: string) => void,
): void {
  host.counters.pipelinePosts++;
  let finished = false;
  const finish = (status: number, err: string) => {
    if (finished) return;
    finished = true;
    done(status, err);
  };
  const req = host.request(p.url, 'POST', RAFT_PATH, {
    ...p.headers,
    'Content-Type': p.contentType,
    'Content-Length': p.body.length,
  });
  req.setNoDelay(true);
  req.setTimeout(p.timeoutMs, () => req.destroy(new Error('i/o timeout')));
  req.on('response', (res: IncomingMessage) => {
    res.resume();
    const status = res.statusCode ?? 0;
    if (status === 412) host.clusterMismatch(p.to, clusterIdOf(res));
    if (p.drainAnswer) {
      res.on('end', () => finish(status, ''));
      res.on('close', () => finish(status, ''));
    } else {
      finish(status, '');
    }
  });
  req.on('error', (e) => finish(0, e.message));
  req.end(p.body);
}
