// The peer listener's routes: POST /raft (pipeline batches), GET /raft/stream/<from>
// (a peer opening the stream we write to it), POST /raft/snapshot (streamed snapshot),
// and, when the server provides them, GET /members and GET /version. Every raft request
// must carry our cluster ID (412 otherwise) and must not come from a removed member (410).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../pkg/logger.js';
import { decodeMessage } from '../raft/codec.js';
import type { Message, NodeId } from '../raft/types.js';
import { FrameDecoder, MAX_FRAME_BYTES } from './frame.js';
import { goDecodeMessage } from './go-codec.js';
import {
  HEADER_CLUSTER_ID,
  HEADER_FROM,
  HEADER_WIRE,
  MEMBERS_PATH,
  RAFT_PATH,
  RAFT_SNAPSHOT_PATH,
  RAFT_STREAM_PREFIX,
  TEXT_CLUSTER_ID_MISMATCH,
  TEXT_MEMBER_REMOVED,
  VERSION_PATH,
  WIRE_OURS,
  httpError,
  allowMethod,
  parseMemberId,
} from './http-util.js';
import { SnapshotBodyReader } from './snapshot.js';
import { checkShape } from './validate.js';

/** What the routes need from the transport. */
export interface HandlerHost {
  readonly localId: NodeId;
  readonly clusterId: string;
  readonly log: Logger;
  isRemoved(id: NodeId): boolean;
  /** The peer whose stream we write, if it is a member we know. */
  streamPeer(id: NodeId): { attachWriter(res: ServerResponse): void } | undefined;
  /** The same for a 2.0-wire stream (attachWriter answers an error text when refused). */
  goStreamPeer(
    id: NodeId,
  ): { attachWriter(res: ServerResponse, term: number): string | null } | undefined;
  /** A request from `from` showed which wire it speaks. */
  sawWire(from: NodeId, ours: boolean): void;
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
      // etcd 2.0 posts one protobuf message; ours post framed batches.
      const ct = req.headers['content-type'];
      if (typeof ct === 'string' && ct.startsWith('application/protobuf')) {
        this.serveGoMessage(req, res);
      } else {
        this.servePipeline(req, res);
      }
    } else if (path.startsWith(RAFT_STREAM_PREFIX)) {
      // etcd 2.0's stream request carries the follower's term; ours do not.
      if (req.headers['x-raft-term'] !== undefined) {
        this.serveGoStream(req, res, path.slice(RAFT_STREAM_PREFIX.length));
      } else {
        this.serveStream(req, res, path.slice(RAFT_STREAM_PREFIX.length));
      }
    } else if (path === RAFT_SNAPSHOT_PATH) {
      this.serveSnapshot(req, res);
    } else if (path === MEMBERS_PATH && this.membersJSON !== undefined) {
      this.serveJSON(req, res, this.membersJSON(), true);
    } else if (path === VERSION_PATH) {
      // Tells peers this member speaks our wire (Go 2.0 answers 404 here, unmarked).
      res.setHeader(HEADER_WIRE, WIRE_OURS);
      if (this.versionJSON !== undefined) this.serveJSON(req, res, this.versionJSON(), false);
      else httpError(res, 404, '404 page not found');
    } else {
      return false;
    }
    return true;
  }

  /**
   * Checks the cluster ID and, for our requests (`bySender`), that the sender named in
   * X-Server-From was not removed; 2.0 requests name their sender inside the body only.
   * Answers and returns false when refused.
   */
  private admit(req: IncomingMessage, res: ServerResponse, bySender = true): boolean {
    const host = this.host;
    res.setHeader(HEADER_CLUSTER_ID, host.clusterId);
    const cid = req.headers['x-etcd-cluster-id'];
    const from = bySender ? req.headers['x-server-from'] : undefined;
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
    if (!allowMethod(req, res, 'POST')) return;
    if (!this.admit(req, res)) {
      closeAfter(req, res);
      return;
    }
    let failed = false;
    const from = req.headers['x-server-from'];
    if (typeof from === 'string') this.host.sawWire(from, true);
    const decoder = new FrameDecoder((frame) =>
      this.host.deliver(checkShape(decodeMessage(frame)), frame.length),
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
    if (!allowMethod(req, res, 'GET')) return;
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
    this.host.sawWire(from, true);
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

  /** etcd 2.0's POST /raft: the body is one raftpb.Message (snapshots included). */
  private serveGoMessage(req: IncomingMessage, res: ServerResponse): void {
    if (!allowMethod(req, res, 'POST')) return;
    if (!this.admit(req, res, false)) {
      closeAfter(req, res);
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_FRAME_BYTES) {
      httpError(res, 400, 'error reading raft message');
      closeAfter(req, res);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > MAX_FRAME_BYTES) {
        failed = true;
        this.host.log.warn('rafthttp: error reading raft message (too large)');
        httpError(res, 400, 'error reading raft message');
        closeAfter(req, res);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (failed) return;
      let m: Message;
      try {
        m = checkShape(
          goDecodeMessage(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)),
        );
      } catch (e) {
        this.host.log.warn(`rafthttp: error unmarshaling raft message: ${(e as Error).message}`);
        httpError(res, 400, 'error unmarshaling raft message');
        return;
      }
      if (this.host.isRemoved(m.from)) {
        this.host.log.warn(`etcdserver: reject message from removed member ${m.from}`);
        httpError(res, 403, 'cannot process message from removed member');
        return;
      }
      this.host.sawWire(m.from, req.headers[HEADER_WIRE.toLowerCase()] === WIRE_OURS);
      if (m.snapshot !== null) {
        this.host.log.info(
          `rafthttp: received database snapshot [index: ${m.snapshot.metadata.index}, from: ${m.from}, size ${m.snapshot.data.length}] (2.0 wire)`,
        );
      }
      this.host.deliver(m, size);
      res.statusCode = 204;
      res.end();
    });
  }

  /** etcd 2.0's GET /raft/stream/<from>: we write it the appends of its term. */
  private serveGoStream(req: IncomingMessage, res: ServerResponse, fromStr: string): void {
    if (!allowMethod(req, res, 'GET')) return;
    const from = parseMemberId(fromStr);
    if (from === null) {
      httpError(res, 404, 'invalid path');
      return;
    }
    const p = this.host.goStreamPeer(from);
    if (p === undefined) {
      this.host.log.warn(`rafthttp: fail to find sender ${from}`);
      httpError(res, 404, 'error sender not found');
      return;
    }
    if (!this.admit(req, res, false)) return;
    const to = req.headers['x-raft-to'];
    if (to !== this.host.localId) {
      httpError(res, 412, 'to field mismatch');
      return;
    }
    const termStr = req.headers['x-raft-term'];
    const term =
      typeof termStr === 'string' && /^[0-9]{1,15}$/.test(termStr) ? Number(termStr) : -1;
    if (term < 0) {
      httpError(res, 400, 'invalid term field');
      return;
    }
    if (this.host.isRemoved(from)) {
      httpError(res, 403, 'cannot process message from removed member');
      return;
    }
    this.host.sawWire(from, req.headers[HEADER_WIRE.toLowerCase()] === WIRE_OURS);
    const refused = p.attachWriter(res, term);
    if (refused !== null) {
      httpError(res, 400, refused);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    res.flushHeaders();
    const sock = req.socket;
    sock.setNoDelay(true);
    sock.setKeepAlive(true, 5000);
    sock.setTimeout(0);
  }

  private serveSnapshot(req: IncomingMessage, res: ServerResponse): void {
    if (!allowMethod(req, res, 'POST')) return;
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
        m = checkShape(body.finish());
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
    if (!allowMethod(req, res, 'GET')) return;
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
