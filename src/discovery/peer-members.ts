// Learning the running cluster from its members' peer URLs (etcd's
// GetClusterFromRemotePeers): GET <peer-url>/members, with the X-Etcd-Cluster-ID header.
// Used when joining with --initial-cluster-state existing, by proxies, and to refuse to
// bootstrap a member that the cluster already knows.
import { request as httpRequest, type IncomingMessage } from 'node:http';
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

function get(url: string, opts: RemoteOptions): Promise<{ res: IncomingMessage; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req =
      u.protocol === 'https:'
        ? httpsRequest(u, { method: 'GET', ...opts.tls })
        : httpRequest(u, { method: 'GET' });
    req.setTimeout(opts.timeoutMs ?? 1000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ res, body: Buffer.concat(chunks).toString('utf8') }));
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
    let got: { res: IncomingMessage; body: string };
    try {
      got = await get(`${u}/members`, opts);
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
    const header = got.res.headers['x-etcd-cluster-id'];
    const cid = Array.isArray(header) ? header[0] : header;
    try {
      idFromString(cid ?? '');
    } catch (e) {
      logErr(
        `etcdserver: could not parse the cluster ID from cluster res: ${(e as Error).message}`,
      );
      continue;
    }
    return Cluster.fromMembers('', cid!.toLowerCase().replace(/^0+(?=.)/, ''), members);
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
