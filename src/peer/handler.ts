// The peer listener's routes: POST /raft (pipeline batches), GET /raft/stream/<from>
// (a peer opening the stream we write to it), POST /raft/snapshot (streamed snapshot),
// and, when the server provides them, GET /members and GET /version. Every raft request
// must carry our cluster ID (412 otherwise) and must not come from a removed member (410).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../pkg/logger.js';
import { decodeMessage } from '../raft/codec.js';
import type { Message, NodeId } from '../raft/types.js';
import { FrameDecoder } from './frame.js';
import {
  HEADER_CLUSTER_ID,
  HEADER_FROM,
  MEMBERS_PATH,
  RAFT_PATH,
  RAFT_SNAPSHOT_PATH,
  RAFT_STREAM_PREFIX,
  TEXT_CLUSTER_ID_MISMATCH,
  TEXT_MEMBER_REMOVED,
  VERSION_PATH,
  httpError,
  methodNotAllowed,
  parseMemberId,
} from './http-util.js';
import { SnapshotBodyReader } from './snapshot.js';

/** What the routes need from the transport. */
export interface HandlerHost {
  readonly localId: NodeId;
  readonly clusterId: string;
  readonly log: Logger;
  isRemoved(id: NodeId): boolean;
  /** The peer whose stream we write, if it is a member we know. */
  streamPeer(id: NodeId): { attachWriter(res: ServerResponse): void } | undefined;
  /** Hands a received message to raft (and counts it). */
  deliver(m: Message, size: number): void;
  refusedForCluster(who: string, got: string): void;
}

export class PeerHandler {
  constructor(
    private readonly host: HandlerHost,
    private readonly membersJSON: (() => string) | undefined,
    private readonly versionJSON: (() => string) | undefined,
  ) {}

  /** Serves the peer paths; false for any other path (the caller answers those). */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path === RAFT_PATH) {
      this.servePipeline(req, res);
    } else if (path.startsWith(RAFT_STREAM_PREFIX)) {
      this.serveStream(req, res, path.slice(RAFT_STREAM_PREFIX.length));
    } else if (path === RAFT_SNAPSHOT_PATH) {
      this.serveSnapshot(req, res);
    } else if (path === MEMBERS_PATH && this.membersJSON !== undefined) {
      this.serveJSON(req, res, this.membersJSON(), true);
    } else if (path === VERSION_PATH && this.versionJSON !== undefined) {
      this.serveJSON(req, res, this.versionJSON(), false);
    } else {
      return false;
    }
    return true;
  }

  /** Checks cluster ID and removal; answers and returns false when refused. */
  private admit(req: IncomingMessage, res: ServerResponse): boolean {
    const host = this.host;
    res.setHeader(HEADER_CLUSTER_ID, host.clusterId);
    const cid = req.headers['x-etcd-cluster-id'];
    const from = req.headers['x-server-from'];
    if (cid !== host.clusterId) {
      const who = typeof from === 'string' ? from : (req.socket.remoteAddress ?? 'unknown');
      host.refusedForCluster(who, String(cid));
      httpError(res, 412, TEXT_CLUSTER_ID_MISMATCH);
      return false;
    }
    if (typeof from === 'string' && host.isRemoved(from)) {
      httpError(res, 410, TEXT_MEMBER_REMOVED);
      return false;
    }
    return true;
  }

  private servePipeline(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'POST') {
      methodNotAllowed(res, 'POST');
      return;
    }
    if (!this.admit(req, res)) {
      closeAfter(req, res);
      return;
    }
    let failed = false;
    const decoder = new FrameDecoder((frame) =>
      this.host.deliver(decodeMessage(frame), frame.length),
    );
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      try {
        decoder.push(chunk);
      } catch (e) {
        failed = true;
        this.host.log.warn(`rafthttp: failed to read raft message (${(e as Error).message})`);
        httpError(res, 400, 'error reading raft message');
        closeAfter(req, res);
      }
    });
    req.on('end', () => {
      if (failed) return;
      if (!decoder.idle) {
        httpError(res, 400, 'error reading raft message');
        return;
      }
      res.statusCode = 204;
      res.end();
    });
  }

  private serveStream(req: IncomingMessage, res: ServerResponse, fromStr: string): void {
    if (req.method !== 'GET') {
      methodNotAllowed(res, 'GET');
      return;
    }
    if (!this.admit(req, res)) return;
    const from = parseMemberId(fromStr);
    if (from === null) {
      httpError(res, 404, 'invalid from');
      return;
    }
    if (this.host.isRemoved(from)) {
      httpError(res, 410, TEXT_MEMBER_REMOVED);
      return;
    }
    const p = this.host.streamPeer(from);
    if (p === undefined) {
      httpError(res, 404, 'error sender not found');
      return;
    }
    const to = req.headers['x-raft-to'];
    if (typeof to === 'string' && to !== this.host.localId) {
      httpError(res, 412, 'to field mismatch');
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      [HEADER_FROM]: this.host.localId,
    });
    res.flushHeaders();
    const sock = req.socket;
    sock.setNoDelay(true);
    sock.setKeepAlive(true, 5000);
    sock.setTimeout(0);
    p.attachWriter(res);
  }

  private serveSnapshot(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'POST') {
      methodNotAllowed(res, 'POST');
      return;
    }
    if (!this.admit(req, res)) {
      closeAfter(req, res);
      return;
    }
    const body = new SnapshotBodyReader();
    let failed = false;
    const fail = (msg: string) => {
      failed = true;
      this.host.log.warn(`rafthttp: failed to receive snapshot (${msg})`);
      httpError(res, 400, msg);
      closeAfter(req, res);
    };
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      try {
        body.push(chunk);
      } catch (e) {
        fail((e as Error).message);
      }
    });
    req.on('end', () => {
      if (failed) return;
      let m: Message;
      try {
        m = body.finish();
      } catch (e) {
        fail((e as Error).message);
        return;
      }
      const snap = m.snapshot!;
      this.host.log.info(
        `rafthttp: received and saved database snapshot [index: ${snap.metadata.index}, from: ${m.from}, size ${snap.data.length}] successfully`,
      );
      this.host.deliver(m, snap.data.length);
      res.statusCode = 204;
      res.end();
    });
  }

  private serveJSON(
    req: IncomingMessage,
    res: ServerResponse,
    body: string,
    newline: boolean,
  ): void {
    if (req.method !== 'GET') {
      methodNotAllowed(res, 'GET');
      return;
    }
    const text = newline && !body.endsWith('\n') ? `${body}\n` : body;
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/json');
    if (newline) res.setHeader(HEADER_CLUSTER_ID, this.host.clusterId);
    res.setHeader('Content-Length', Buffer.byteLength(text));
    res.end(text);
  }
}

/** After refusing a request whose body we will not read, drop the connection. */
function closeAfter(req: IncomingMessage, res: ServerResponse): void {
  res.on('finish', () => req.socket.destroy());
  req.resume();
}
