// Member and cluster IDs computed exactly as etcd 2 does (etcdserver/member.go NewMember,
// etcdserver/cluster.go genID): SHA-1, first 8 bytes big-endian, printed as Go's %x
// (lowercase hex, no leading zeros).
import { createHash } from 'node:crypto';

/** uint64 from the first 8 bytes of a SHA-1 digest, big-endian. */
function sha1Prefix(data: Buffer): bigint {
  return createHash('sha1').update(data).digest().readBigUInt64BE(0);
}

/** Lowercase hex without leading zeros, as Go's types.ID.String(). */
export function idToString(id: bigint): string {
  return id.toString(16);
}

/** Parses a hex member/cluster ID (as types.IDFromString); throws on anything else. */
export function idFromString(s: string): bigint {
  if (!/^[0-9a-fA-F]{1,16}$/.test(s)) throw new Error(`invalid member ID ${JSON.stringify(s)}`);
  return BigInt(`0x${s}`);
}

/**
 * Member ID: SHA-1 over the sorted peer URLs concatenated, then the cluster token, then
 * (members added at runtime only) the Unix time in seconds as decimal.
 */
export function computeMemberId(
  peerUrls: readonly string[],
  token: string,
  nowMs?: number,
): string {
  const sorted = [...peerUrls].sort(compareGoStrings);
  let s = sorted.join('') + token;
  if (nowMs !== undefined) s += String(Math.floor(nowMs / 1000));
  return idToString(sha1Prefix(Buffer.from(s, 'utf8')));
}

/** Cluster ID: SHA-1 over the member IDs sorted numerically, each as 8 bytes big-endian. */
export function computeClusterId(memberIds: readonly string[]): string {
  const ids = memberIds.map(idFromString).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const b = Buffer.alloc(8 * ids.length);
  for (let i = 0; i < ids.length; i++) b.writeBigUInt64BE(ids[i]!, 8 * i);
  return idToString(sha1Prefix(b));
}

/** Compares two member IDs numerically (etcd sorts members by ID). */
export function compareIds(a: string, b: string): number {
  const x = idFromString(a);
  const y = idFromString(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Byte-wise string order, as Go's sort.Strings (UTF-16 order differs only off the BMP). */
export function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** What a member logs when a peer answers with another cluster's ID (seed wording). */
export function conflictingClusterIdMessage(remote: string, local: string): string {
  return `conflicting cluster ID to the target cluster (${remote} != ${local}). Exiting.`;
}
