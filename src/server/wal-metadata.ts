// The WAL's metadata record: which member and cluster this log belongs to, so a restart
// ignores the initial-* flags and keeps its identity. etcd's etcdserverpb.Metadata
// (src/wal/metadata.ts), so Go etcd 2.0 reads our WAL and we read its.
import { decodeMetadata, encodeMetadata } from '../wal/metadata.js';

export interface WalMetadata {
  memberId: string;
  clusterId: string;
}

export function encodeWalMetadata(m: WalMetadata): Uint8Array {
  return encodeMetadata({ nodeId: m.memberId, clusterId: m.clusterId });
}

export function decodeWalMetadata(b: Uint8Array): WalMetadata {
  let v: { nodeId: string; clusterId: string };
  try {
    v = decodeMetadata(b);
  } catch {
    throw new Error('wal: the metadata record is not valid (expected member and cluster IDs)');
  }
  if (v.nodeId === '' || v.clusterId === '') {
    throw new Error('wal: the metadata record lacks the member or cluster ID');
  }
  return { memberId: v.nodeId, clusterId: v.clusterId };
}
