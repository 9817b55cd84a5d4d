// POST /raft/snapshot: the MsgSnap header, then the snapshot data written in slices of
// the snapshot itself, paced by the socket (no second copy, no unbounded buffering).
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Message, NodeId } from '../raft/types.js';
import type { PeerHost } from './host.js';
import { RAFT_SNAPSHOT_PATH } from './http-util.js';
import { snapshotPrefix } from './snapshot.js';
import type { PeerUrl } from './url.js';

const SLICE = 1 << 20;

/** Sends one snapshot; `done` is called exactly once. */
export function sendSnapshot(
  host: PeerHost,
  to: NodeId,
  url: PeerUrl,
  headers: OutgoingHttpHeaders,
  m: Message,
  done: (ok: boolean) => void,
): void {
  const data = m.snapshot!.data;
  const index = m.snapshot!.metadata.index;
  const prefix = snapshotPrefix(m);
  host.log.info(
    `rafthttp: start to send database snapshot [index: ${index}, to ${to}, size ${data.length}]...`,
  );
  let finished = false;
  const finish = (ok: boolean, why: string) => {
    if (finished) return;
    finished = true;
    if (ok) {
      host.log.info(
        `rafthttp: database snapshot [index: ${index}, to: ${to}] sent out successfully`,
      );
    } else {
      host.log.warn(
        `rafthttp: database snapshot [index: ${index}, to: ${to}] failed to be sent out (${why})`,
      );
    }
    done(ok);
  };
  const req = host.request(url, 'POST', RAFT_SNAPSHOT_PATH, {
    ...headers,
    'Content-Type': 'application/octet-stream',
    'Content-Length': prefix.length + data.length,
  });
  req.setTimeout(host.limits.snapshotTimeoutMs, () => req.destroy(new Error('i/o timeout')));
  let responded = false;
  req.on('response', (res: IncomingMessage) => {
    responded = true;
    const status = res.statusCode ?? 0;
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (s: string) => {
      if (text.length < 512) text += s;
    });
    res.on('end', () => {
      if (status === 410) host.removedByRemote(to);
      else if (status === 412) host.clusterMismatch(to, '');
      finish(status === 204, `${status} ${text.trim()}`);
    });
    res.on('close', () => {
      if (!res.complete) finish(false, 'response aborted');
    });
  });
  req.on('error', (e) => finish(false, e.message));
  req.on('close', () => {
    if (!responded) finish(false, 'connection closed');
  });
  req.write(prefix);
  let off = 0;
  const pump = (): void => {
    while (off < data.length) {
      if (finished || req.destroyed) return;
      const end = Math.min(off + SLICE, data.length);
      const ok = req.write(data.subarray(off, end));
      off = end;
      if (!ok) {
        req.once('drain', pump);
        return;
      }
    }
    req.end();
  };
  pump();
}
