// The WAL's metadata record: which member and cluster this log belongs to, so a restart
// ignores the initial-* flags and keeps its identity (etcd's etcdserverpb.Metadata).
// Encoded as JSON: {"nodeId":"<hex>","clusterId":"<hex>"}.

export interface WalMetadata {
  memberId: string;
  clusterId: string;
}

export function encodeWalMetadata(m: WalMetadata): Uint8Array {
  return Buffer.from(JSON.stringify({ nodeId: m.memberId, clusterId: m.clusterId }), 'utf8');
}

export function decodeWalMetadata(b: Uint8Array): WalMetadata {
  let v: { nodeId?: unknown; clusterId?: unknown };
  try {
    v = JSON.parse(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8'));
  } catch {
    throw new Error('wal: the metadata record is not valid (expected member and cluster IDs)');
  }
  if (typeof v.nodeId !== 'string' || typeof v.clusterId !== 'string') {
    throw new Error('wal: the metadata record lacks the member or cluster ID');
  }
  return { memberId: v.nodeId, clusterId: v.clusterId };
}
