// The WAL's metadata record as etcd 2.0.13 writes it: etcdserverpb.Metadata{1: NodeID,
// 2: ClusterID}, both uint64 (hex strings here), both always written.
import { hexVarintSize, ProtoReader, ProtoWriter } from '../pkg/protobuf.js';

export interface WalIds {
  nodeId: string;
  clusterId: string;
}

export function encodeMetadata(m: WalIds): Uint8Array {
  const w = new ProtoWriter(2 + hexVarintSize(m.nodeId) + hexVarintSize(m.clusterId));
  w.key(0x08).hexVarint(m.nodeId);
  w.key(0x10).hexVarint(m.clusterId);
  return w.result();
}

/** Decodes the metadata record; throws (a ProtoError) if it is not one. */
export function decodeMetadata(b: Uint8Array): WalIds {
  const r = new ProtoReader(b);
  const m: WalIds = { nodeId: '', clusterId: '' };
  while (!r.done) {
    const t = r.tag();
    if (t === 0x08) m.nodeId = r.hexVarint();
    else if (t === 0x10) m.clusterId = r.hexVarint();
    else r.skip(t & 7);
  }
  return m;
}
