// Typed shapes of the v2 API as the server sends them (field names as on the wire).

/** A node of the keyspace: a key with a value, or a directory with child nodes. */
export interface EtcdNode {
  key: string;
  dir?: boolean;
  value?: string;
  nodes?: EtcdNode[];
  createdIndex: number;
  modifiedIndex: number;
  /** RFC 3339 time at which the key expires; absent for permanent keys. */
  expiration?: string;
  /** Seconds left to live; absent for permanent keys. */
  ttl?: number;
}

export type KeysAction =
  | 'get'
  | 'set'
  | 'create'
  | 'update'
  | 'delete'
  | 'compareAndSwap'
  | 'compareAndDelete'
  | 'expire';

/** The result of a keys-API operation, with the indexes from the response headers. */
export interface KeysResponse {
  action: KeysAction | string;
  node: EtcdNode;
  prevNode?: EtcdNode;
  /** X-Etcd-Index: the store index (for a watch: the index when the watch started). */
  index: number;
  /** X-Raft-Index and X-Raft-Term (0 when the server did not send them). */
  raftIndex: number;
  raftTerm: number;
  /** X-Etcd-Cluster-Id ('' when absent). */
  clusterId: string;
}

/** Per-call options every request accepts. */
export interface RequestOptions {
  /** Aborts the request (it rejects with AbortError). */
  signal?: AbortSignal;
}

export interface GetOptions extends RequestOptions {
  recursive?: boolean;
  sorted?: boolean;
  /** Linearizable read through consensus. */
  quorum?: boolean;
}

export interface SetOptions extends RequestOptions {
  /** Seconds to live. 0 or undefined: no ttl (an update makes the key permanent);
   *  null: send an empty ttl, which removes the ttl explicitly. */
  ttl?: number | null;
  /** Compare-and-swap on the current value. */
  prevValue?: string;
  /** Compare-and-swap on the current modifiedIndex (0 = no condition). */
  prevIndex?: number;
  /** true: the key must exist (update); false: it must not (create). */
  prevExist?: boolean;
  /** Create or update a directory instead of a key (value is ignored). */
  dir?: boolean;
  /** Refresh the ttl without changing the value or notifying watchers. */
  refresh?: boolean;
}

export interface TtlOptions extends RequestOptions {
  ttl?: number | null;
}

export interface DeleteOptions extends RequestOptions {
  recursive?: boolean;
  /** Delete only if the node is a directory (an empty one unless recursive). */
  dir?: boolean;
  prevValue?: string;
  prevIndex?: number;
}

export interface CompareOptions extends RequestOptions {
  prevValue?: string;
  prevIndex?: number;
}

export interface WatchOptions {
  recursive?: boolean;
  /** Deliver events with an index greater than this (the Go client's AfterIndex). */
  afterIndex?: number;
  /** On `401 event index cleared`, GET the key, yield that response, and continue from
   *  its X-Etcd-Index + 1 instead of throwing. */
  resync?: boolean;
  /** Reconnect on connection errors and server errors (default true). When false the
   *  first failure ends the iteration with the error, as etcdctl does. */
  reconnect?: boolean;
  /** Ends the watch (the pending request is aborted and the iteration finishes). */
  signal?: AbortSignal;
}

export interface Member {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
}

export type {
  LeaderStatsJSON as LeaderStats,
  SelfStatsJSON as SelfStats,
} from '../pkg/stats-json.js';

export type StoreStats = Record<string, number>;

export interface VersionInfo {
  etcdserver: string;
  etcdcluster: string;
}

export interface HealthInfo {
  health: string | boolean;
  reason?: string;
}

export interface TlsOptions {
  /** PEM client certificate and key (contents, not paths). */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** PEM trust roots (contents). */
  ca?: string | Buffer;
  /** Defaults to true. */
  rejectUnauthorized?: boolean;
  /** Server name for SNI and certificate checks, when it differs from the URL's host. */
  servername?: string;
}

export interface ClientOptions {
  /** Client URLs of one or more members. Default: http://127.0.0.1:2379. */
  endpoints?: string[];
  tls?: TlsOptions;
  /** Milliseconds to wait for response headers per request (not for watches).
   *  Default 5000; 0 waits forever. */
  timeout?: number;
  /** Passes over all endpoints before giving up on a request (default 1). */
  retryRounds?: number;
  /** Basic authentication for etcd's v2 auth. */
  username?: string;
  password?: string;
  /** Refresh the endpoint list from /v2/members this often (ms); 0 = never (default). */
  autoSyncInterval?: number;
  /** Key prefix of the keys API (default /v2/keys). */
  keysPrefix?: string;
}
