// A member's identity at start: from its WAL on a restart; otherwise its initial cluster,
// as etcd 2 builds it
// (etcdmain setupCluster + etcdserver NewServer): from --initial-cluster, from the
// discovery service (--discovery, the token being the discovery URL) or from DNS SRV
// (--discovery-srv); then the bootstrap checks, the "already bootstrapped" refusal and,
// with discovery, registration and waiting for the other members.
import { genClusterString, joinCluster } from '../discovery/discovery.js';
import { srvGetCluster } from '../discovery/srv.js';
import type { Logger } from '../pkg/logger.js';
import { type ClientTlsOptions, clientTlsOptions, type TlsInfo, tlsInfoEmpty } from '../pkg/tls.js';
import type { Resolver } from '../pkg/urls.js';
import {
  alreadyBootstrappedMessage,
  Cluster,
  ClusterConfigError,
  type Member,
  remotePeerURLs,
  setupCluster,
  validateClusterAndAssignIds,
  verifyBootstrap,
  verifyJoinExisting,
} from '../discovery/cluster.js';
import { fetchExistingCluster, isMemberBootstrapped } from '../discovery/peer-members.js';
import type { MemberInfo } from '../server/membership.js';
import { WAL } from '../wal/wal.js';
import type { ClusterState } from './config.js';
import { memberDirs } from './storage.js';

export interface BootstrapInput {
  name: string;
  /** Advertised peer URLs (canonical, sorted). */
  apurls: string[];
  initialCluster: string;
  initialClusterToken: string;
  discovery: string;
  discoveryProxy: string;
  discoverySrv: string;
  /** For asking the peers whether this member was bootstrapped before. */
  peerTls?: ClientTlsOptions;
  log?: (line: string) => void;
  /** Tests: host name resolution and SRV lookups. */
  resolver?: Resolver;
  resolveSrv?: (name: string) => Promise<{ name: string; port: number }[]>;
  /** Discovery tuning (tests). */
  discoveryRequestTimeoutMs?: number;
  signal?: AbortSignal;
}

/** etcdmain's setupCluster: the provisional cluster and its token. */
export async function provisionalCluster(b: BootstrapInput): Promise<Cluster> {
  if (b.discovery !== '') {
    // With discovery the token is the discovery URL, so IDs are unique per discovery URL.
    return setupCluster(b.discovery, genClusterString(b.name, b.apurls));
  }
  if (b.discoverySrv !== '') {
    const srvOpts: Parameters<typeof srvGetCluster>[4] = {};
    if (b.resolveSrv) srvOpts.resolveSrv = b.resolveSrv;
    if (b.resolver) srvOpts.lookupHost = b.resolver;
    if (b.log) srvOpts.log = b.log;
    let got: { cluster: string; token: string };
    try {
      got = await srvGetCluster(b.name, b.discoverySrv, b.initialClusterToken, b.apurls, srvOpts);
    } catch (e) {
      throw new ClusterConfigError(`error setting up initial cluster: ${(e as Error).message}`);
    }
    return setupCluster(got.token, got.cluster);
  }
  return setupCluster(b.initialClusterToken, b.initialCluster);
}

/**
 * A brand-new member of a new cluster: checks, then (discovery) registration. Resolves
 * with the final cluster and this member. Throws ClusterConfigError with etcd's message,
 * or DiscoveryError (code 'full': fall back to proxy or exit per --discovery-fallback;
 * code 'duplicate-id': see duplicateIdMessages()).
 */
export async function bootstrapNewCluster(
  b: BootstrapInput,
): Promise<{ cluster: Cluster; self: Member }> {
  let cluster = await provisionalCluster(b);
  let self = await verifyBootstrap(cluster, b.name, b.apurls, b.discovery, b.resolver);
  const remotes = remotePeerURLs(cluster, b.name);
  if (remotes.length > 0) {
    const remoteOpts = b.peerTls ? { tls: b.peerTls } : {};
    if (await isMemberBootstrapped(remotes, self.id, remoteOpts)) {
      throw new ClusterConfigError(alreadyBootstrappedMessage(self.id));
    }
  }
  if (b.discovery !== '') {
    const dopts: Parameters<typeof joinCluster>[3] = { proxy: b.discoveryProxy };
    if (b.log) dopts.log = b.log;
    if (b.discoveryRequestTimeoutMs !== undefined)
      dopts.requestTimeoutMs = b.discoveryRequestTimeoutMs;
    if (b.signal) dopts.signal = b.signal;
    const str = await joinCluster(b.discovery, self.id, cluster.toString(), dopts);
    try {
      cluster = Cluster.fromString(cluster.token, str);
    } catch (e) {
      throw new ClusterConfigError((e as Error).message);
    }
    try {
      cluster.validate();
    } catch (e) {
      throw new ClusterConfigError(`bad discovery cluster: ${(e as Error).message}`);
    }
    const me = cluster.member(self.id);
    if (!me) throw new ClusterConfigError(`bad discovery cluster: member ${self.id} is not in it`);
    self = me;
  }
  return { cluster, self };
}

export interface BootInput {
  name: string;
  dataDir: string;
  apurls: string[];
  acurls: string[];
  token: string;
  initialCluster: string;
  state: ClusterState;
  discovery: string;
  discoverySrv: string;
  discoveryProxy: string;
  peerTls: TlsInfo;
  log: Logger;
}

export interface Boot {
  memberId: string;
  clusterId: string;
  initialMembers: MemberInfo[];
  newCluster: boolean;
}

/** The member's identity: from its WAL on a restart, from the initial-* flags otherwise. */
export async function bootstrap(b: BootInput): Promise<Boot> {
  if (WAL.exists(memberDirs(b.dataDir).wal)) {
    // A restart ignores the initial-* flags (the WAL's metadata has the IDs); a malformed
    // --initial-cluster is still refused, as etcd does.
    if (b.initialCluster !== '') setupCluster(b.token, b.initialCluster);
    return { memberId: '', clusterId: '', initialMembers: [], newCluster: false };
  }
  const tls = tlsInfoEmpty(b.peerTls) ? undefined : clientTlsOptions(b.peerTls);
  if (b.state === 'new') {
    if (b.discovery === '' && b.discoverySrv === '' && b.initialCluster === '') {
      throw new ClusterConfigError('initial cluster unset and no discovery URL found');
    }
    const input: BootstrapInput = {
      name: b.name,
      apurls: b.apurls,
      initialCluster: b.initialCluster,
      initialClusterToken: b.token,
      discovery: b.discovery,
      discoveryProxy: b.discoveryProxy,
      discoverySrv: b.discoverySrv,
      log: (l) => b.log.info(l),
      ...(tls ? { peerTls: tls } : {}),
    };
    const { cluster, self } = await bootstrapNewCluster(input);
    // Only this member's client URLs are known: the others publish theirs.
    return booted(self, cluster, cluster.members(), (m) => (m.id === self.id ? b.acurls : []));
  }
  if (b.initialCluster === '') {
    throw new ClusterConfigError('initial cluster unset and no discovery URL found');
  }
  const cluster = setupCluster(b.token, b.initialCluster);
  await verifyJoinExisting(cluster, b.name, b.discovery);
  const existing = await fetchExistingCluster(remotePeerURLs(cluster, b.name), tls ? { tls } : {});
  await validateClusterAndAssignIds(cluster, existing);
  const self = cluster.memberByName(b.name)!;
  return booted(self, cluster, existing.members(), null);
}

/**
 * The identity a fresh member starts with and the members it knows: a new cluster's
 * (`clientURLs` says which it knows) or a running cluster's, as that reported them (null).
 */
function booted(
  self: Member,
  cluster: Cluster,
  members: Member[],
  clientURLs: ((m: Member) => string[]) | null,
): Boot {
  return {
    memberId: self.id,
    clusterId: cluster.id,
    initialMembers: members.map((m) => ({
      id: m.id,
      name: m.name,
      peerURLs: m.peerURLs,
      clientURLs: clientURLs === null ? m.clientURLs : clientURLs(m),
    })),
    newCluster: clientURLs !== null,
  };
}
