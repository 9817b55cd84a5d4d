// Learning the running cluster from its members' peer URLs (etcd's
// GetClusterFromRemotePeers): GET <peer-url>/members, with the X-Etcd-Cluster-ID header.
// Used when joining with --initial-cluster-state existing, by proxies, and to refuse to
// bootstrap a member that the cluster already knows.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { idFromString } from '../pkg/ids.js';
import type { ClientTlsOptions } from '../pkg/tls.js';
import { Cluster, ClusterConfigError, Member } from './cluster.js';

export interface RemoteOptions {
  tls?: ClientTlsOptions;
  timeoutMs?: number;
  /** Called with etcd's log line for each peer that did not answer usefully. */
  onError?: (line: string) => void;
}

/** A /members answer is a short list: anything larger is refused, not buffered. */
export const MAX_MEMBERS_BODY = 1024 * 1024;

export interface PeerAnswer {
  status: number;
  /** X-Etcd-Cluster-Id, '' when absent. */
  clusterId: string;
  body: string;
}

/** GET <peer-url>/members, its body size-limited; rejects on a network error or timeout. */
export function getPeerMembers(
  peerUrl: string,
  tls: ClientTlsOptions | undefined,
  timeoutMs = 1000,
): Promise<PeerAnswer> {
  return new Promise((resolve, reject) => {
    const u = new URL(`${peerUrl.replace(/\/$/, '')}/members`);
    const req =
      u.protocol === 'https:'
        ? httpsRequest(u, { method: 'GET', ...tls })
        : httpRequest(u, { method: 'GET' });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_MEMBERS_BODY) {
          req.destroy(new Error(`members response larger than ${MAX_MEMBERS_BODY} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => {
        const h = res.headers['x-etcd-cluster-id'];
        resolve({
          status: res.statusCode ?? 0,
          clusterId: (Array.isArray(h) ? h[0] : h) ?? '',
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
      res.on('error', reject);
    });
    req.end();
  });
}

interface WireMember {
  id?: unknown;
  name?: unknown;
  peerURLs?: unknown;
  clientURLs?: unknown;
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/** Numeric member IDs (as etcd serves them) become hex strings before JSON.parse, which
 * would round 64-bit numbers. A `"id":` inside a JSON string is escaped, so never matches. */
const NUMERIC_ID = /"id"\s*:\s*(\d+)/g;

/** Parses a peer /members body (JSON array of members; IDs as numbers or hex strings). */
export function parsePeerMembers(body: string): Member[] {
  const text = body.replace(NUMERIC_ID, (_m, d: string) => `"id":"${BigInt(d).toString(16)}"`);
  const arr = JSON.parse(text) as unknown;
  if (!Array.isArray(arr))
    throw new Error('json: cannot unmarshal object into Go value of type []*etcdserver.Member');
  return arr.map((w: WireMember) => {
    const id = typeof w.id === 'string' ? w.id : '';
    idFromString(id);
    return new Member(
      id,
      typeof w.name === 'string' ? w.name : '',
      strings(w.peerURLs),
      strings(w.clientURLs),
    );
  });
}

/** The first peer that answers wins; throws etcd's error when none does. */
export async function getClusterFromRemotePeers(
  urls: readonly string[],
  opts: RemoteOptions = {},
): Promise<Cluster> {
  const logErr = opts.onError ?? (() => {});
  for (const u of urls) {
    let got: PeerAnswer;
    try {
      got = await getPeerMembers(u, opts.tls, opts.timeoutMs);
    } catch (e) {
      logErr(`etcdserver: could not get cluster response from ${u}: ${(e as Error).message}`);
      continue;
    }
    let members: Member[];
    try {
      members = parsePeerMembers(got.body);
    } catch (e) {
      logErr(`etcdserver: could not unmarshal cluster response: ${(e as Error).message}`);
      continue;
    }
    const cid = got.clusterId;
    try {
      idFromString(cid);
    } catch (e) {
      logErr(
        `etcdserver: could not parse the cluster ID from cluster res: ${(e as Error).message}`,
      );
      continue;
    }
    return Cluster.fromMembers('', cid.toLowerCase().replace(/^0+(?=.)/, ''), members);
  }
  throw new ClusterConfigError(
    'etcdserver: could not retrieve cluster information from the given urls',
  );
}

/** For --initial-cluster-state existing: the running cluster, or etcd's error. */
export async function fetchExistingCluster(
  urls: readonly string[],
  opts: RemoteOptions = {},
): Promise<Cluster> {
  try {
    return await getClusterFromRemotePeers(urls, opts);
  } catch (e) {
    throw new ClusterConfigError(
      `cannot fetch cluster info from peer urls: ${(e as Error).message}`,
    );
  }
}

/**
 * isMemberBootstrapped: the running cluster already lists this member with client URLs,
 * i.e. it started before (and its data dir is gone). Unreachable peers mean "no".
 */
export async function isMemberBootstrapped(
  remoteUrls: readonly string[],
  memberId: string,
  opts: RemoteOptions = {},
): Promise<boolean> {
  let rc: Cluster;
  try {
    rc = await getClusterFromRemotePeers(remoteUrls, { ...opts, onError: undefined });
  } catch {
    return false;
  }
  const m = rc.member(memberId);
  return m !== undefined && m.clientURLs.length > 0;
}
