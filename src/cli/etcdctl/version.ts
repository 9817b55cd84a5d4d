// The version etcdctl reports: the etcd release whose etcdctl ours is a drop-in for.
export const VERSION = '2.0.13';
