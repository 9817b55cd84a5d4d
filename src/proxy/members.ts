// The members' URLs as a peer's GET /members lists them. Only the URLs matter to the
// proxy, so member IDs are not parsed: etcd writes them as JSON numbers (uint64, beyond
// a double's precision), this project as hex strings; both are accepted.
import { getPeerMembers } from '../discovery/peer-members.js';
import type { ClientTlsOptions } from '../pkg/tls.js';

export interface MemberUrls {
  peerURLs: string[];
  clientURLs: string[];
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/** Parses a /members body; throws on anything but a JSON array. */
export function parseMemberUrls(body: string): MemberUrls[] {
  const arr = JSON.parse(body) as unknown;
  if (!Array.isArray(arr)) throw new Error('members: response is not a JSON array');
  return arr.map((m: { peerURLs?: unknown; clientURLs?: unknown }) => ({
    peerURLs: strings(m?.peerURLs),
    clientURLs: strings(m?.clientURLs),
  }));
}

async function get(
  url: string,
  tls: ClientTlsOptions | undefined,
  timeoutMs: number,
): Promise<string> {
  const a = await getPeerMembers(url, tls, timeoutMs);
  if (a.status !== 200) throw new Error(`unexpected status ${a.status}`);
  return a.body;
}

/** The first peer that answers gives the members; throws etcd's error when none does. */
export async function fetchMemberUrls(
  peerUrls: readonly string[],
  tls: ClientTlsOptions | undefined,
  onError: (line: string) => void,
  timeoutMs = 1000,
): Promise<MemberUrls[]> {
  for (const u of peerUrls) {
    let body: string;
    try {
      body = await get(u, tls, timeoutMs);
    } catch (e) {
      onError(`proxy: could not get cluster response from ${u}: ${(e as Error).message}`);
      continue;
    }
    try {
      return parseMemberUrls(body);
    } catch (e) {
      onError(`proxy: could not unmarshal cluster response: ${(e as Error).message}`);
    }
  }
  throw new Error('could not retrieve cluster information from the given urls');
}

/** Every member's URLs of one kind, sorted and without duplicates (etcd's Cluster.*URLs). */
export function allUrls(members: readonly MemberUrls[], kind: keyof MemberUrls): string[] {
  const set = new Set<string>();
  for (const m of members) for (const u of m[kind]) set.add(u);
  return [...set].sort();
}
