// The etcd member's configuration as parsed from flags and ETCD_* variables, defaults
// applied (see flags.ts). Names follow the flags; URL lists are canonical and sorted.
import type { TlsInfo } from '../../pkg/tls.js';

export type ProxyMode = 'off' | 'readonly' | 'on';
import type { ClusterState } from '../../embed/config.js';

export type { ClusterState };
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
