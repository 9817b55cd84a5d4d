// Which wire a remote member speaks. Ours answer GET /version on the peer URL with the
// X-Etcd-Node-Wire header; Go etcd 2.0 answers 404 there (and later Go versions answer
// without the header). Until a remote has answered it is `Unknown`: messages try our wire
// (a Go member refuses it with 400, costing one retransmission), but the cluster counts
// it as possibly Go, so raft runs without the features etcd 2.0 lacks.
import type { IncomingMessage } from 'node:http';
import type { PeerHost } from './host.js';
import { HEADER_WIRE, VERSION_PATH, WIRE_OURS } from './http-util.js';
import type { PeerUrl } from './url.js';

export enum PeerKind {
  Unknown = 'unknown',
  Ours = 'ours',
  Go = 'go',
}

/** The kind a /version answer shows; null when the answer says nothing (5xx). */
export function kindOfVersionAnswer(status: number, wireHeader: unknown): PeerKind | null {
  if (wireHeader === WIRE_OURS) return PeerKind.Ours;
  if (status === 200 || status === 404) return PeerKind.Go;
  return null;
}

/** Asks a peer URL what it is; `done(null)` when it could not tell (unreachable...). */
export function probeKind(
  host: Pick<PeerHost, 'request' | 'limits' | 'localId'>,
  url: PeerUrl,
  done: (kind: PeerKind | null) => void,
): () => void {
  let finished = false;
  const finish = (k: PeerKind | null) => {
    if (finished) return;
    finished = true;
    done(k);
  };
  const req = host.request(url, 'GET', VERSION_PATH, {});
  req.setTimeout(host.limits.requestTimeoutMs, () => req.destroy(new Error('i/o timeout')));
  req.on('response', (res: IncomingMessage) => {
    res.resume();
    finish(kindOfVersionAnswer(res.statusCode ?? 0, res.headers[HEADER_WIRE.toLowerCase()]));
  });
  req.on('error', () => finish(null));
  req.on('close', () => finish(null));
  req.end();
  return () => {
    finished = true;
    req.destroy();
  };
}
