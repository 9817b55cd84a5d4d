// The etcd member's configuration as parsed from flags and ETCD_* variables, defaults
// applied (see flags.ts). Names follow the flags; URL lists are canonical and sorted.
import type { TlsInfo } from '../../pkg/tls.js';

export type ProxyMode = 'off' | 'readonly' | 'on';
export type ClusterState = 'new' | 'existing';
export type DiscoveryFallback = 'exit' | 'proxy';

export interface EtcdConfig {
  // member
  name: string;
  /** `--data-dir`, or `${name}.etcd` when none was given (see dataDirDefaulted). */
  dataDir: string;
  dataDirDefaulted: boolean;
  snapshotCount: number;
  /** --heartbeat-interval, ms (etcd's tick). */
  heartbeatInterval: number;
  /** --election-timeout, ms. */
  electionTimeout: number;
  /** electionTimeout / heartbeatInterval, rounded down, as etcd computes it. */
  electionTicks: number;
  listenPeerUrls: string[];
  listenClientUrls: string[];
  maxSnapshots: number;
  maxWals: number;
  /** CORS origins ("*" for any); empty: no CORS headers. */
  cors: string[];

  // clustering
  initialAdvertisePeerUrls: string[];
  advertiseClientUrls: string[];
  /** name=url,... ; derived from name and advertised peer URLs unless given. */
  initialCluster: string;
  initialClusterState: ClusterState;
  initialClusterToken: string;
  discovery: string;
  discoveryFallback: DiscoveryFallback;
  discoveryProxy: string;
  discoverySrv: string;

  // proxy
  proxy: ProxyMode;

  // security
  clientTls: TlsInfo;
  peerTls: TlsInfo;

  // unsafe
  forceNewCluster: boolean;

  // accepted for compatibility with later etcd 2.x/3.x command lines; no effect
  enableV2: boolean;

  /** --version: print versionText() and exit 0. */
  printVersion: boolean;
  /** -h / --help: print the usage and exit 0. */
  printHelp: boolean;

  /** Flags given on the command line or through ETCD_* variables. */
  explicit: ReadonlySet<string>;
  /** Lines etcd logs while reading its configuration (main logs them in order). */
  notices: string[];
}

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

export function isProxy(cfg: EtcdConfig): boolean {
  return cfg.proxy !== 'off';
}
