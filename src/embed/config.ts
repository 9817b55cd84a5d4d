// The defaults of a member's configuration (etcd 2.0's flag defaults). src/cli/etcd fills
// the configuration from flags and ETCD_* variables; startEtcd() applies these to what is
// left unset.

export type ClusterState = 'new' | 'existing';

export const DEFAULT_NAME = 'default';
export const DEFAULT_PEER_URLS = 'http://localhost:2380,http://localhost:7001';
export const DEFAULT_CLIENT_URLS = 'http://localhost:2379,http://localhost:4001';
export const DEFAULT_CLUSTER_TOKEN = 'etcd-cluster';
export const DEFAULT_SNAPSHOT_COUNT = 10000;
export const DEFAULT_HEARTBEAT_MS = 100;
export const DEFAULT_ELECTION_MS = 1000;
export const DEFAULT_MAX_SNAPSHOTS = 5;
export const DEFAULT_MAX_WALS = 5;

/** etcd's initial cluster for a name and advertised peer URLs: name=url for each. */
export function initialClusterFromName(name: string, peerUrls: readonly string[]): string {
  const n = name === '' ? DEFAULT_NAME : name;
  return peerUrls.map((u) => `${n}=${u}`).join(',');
}
