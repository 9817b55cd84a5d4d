// The cluster membership model (etcd 2's etcdserver/cluster.go and member.go): members
// with IDs derived from their peer URLs and the cluster token, the cluster ID derived from
// the member IDs, parsing of --initial-cluster, and the bootstrap checks with etcd's
// messages. Pure: no I/O (host name comparison takes an injectable resolver).
import { goJSON } from '../pkg/go-json.js';
import { type Form, parseQueryInto } from '../pkg/go-query.js';
import {
  compareGoStrings,
  computeClusterId,
  computeMemberId,
  conflictingClusterIdMessage,
  idFromString,
} from '../pkg/ids.js';
import { parseUrlList, type Resolver, urlStringsEqual } from '../pkg/urls.js';

/** A bootstrap misconfiguration; etcd logs "etcd: <message>" and exits 1. */
export class ClusterConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClusterConfigError';
  }
}

export class Member {
  id: string;
  name: string;
  /** Sorted. */
  peerURLs: string[];
  /** Empty until the member has published its attributes. */
  clientURLs: string[];

  constructor(id: string, name: string, peerURLs: string[], clientURLs: string[] = []) {
    this.id = id;
    this.name = name;
    this.peerURLs = peerURLs;
    this.clientURLs = clientURLs;
  }

  clone(): Member {
    return new Member(this.id, this.name, [...this.peerURLs], [...this.clientURLs]);
  }

  /** The client API's member object (/v2/members), fields in etcd's order. */
  toJSON(): { id: string; name: string; peerURLs: string[]; clientURLs: string[] } {
    return { id: this.id, name: this.name, peerURLs: this.peerURLs, clientURLs: this.clientURLs };
  }

  /** Go's %v of *Member, as etcd prints it in "Member exists with identical ID ...". */
  goString(): string {
    const cl = this.clientURLs.length ? this.clientURLs.join(' ') : '';
    return `&{${this.id} {[${this.peerURLs.join(' ')}]} {${this.name} [${cl}]}}`;
  }
}

/**
 * etcd's NewMember: the ID hashes the sorted peer URLs and the cluster token, plus the
 * time (seconds) for members added at runtime. `peerURLs` must already be valid URLs.
 */
export function newMember(
  name: string,
  peerURLs: readonly string[],
  token: string,
  nowMs?: number,
): Member {
  const urls = [...peerURLs].sort(compareGoStrings);
  return new Member(computeMemberId(urls, token, nowMs), name, urls);
}

/**
 * A member added at runtime (POST /v2/members): etcd hashes its peer URLs with an empty
 * token and the current Unix time in seconds; the name stays empty until it publishes.
 */
export function newRuntimeMember(peerURLs: readonly string[], nowMs: number): Member {
  return newMember('', peerURLs, '', nowMs);
}

const byId = (a: Member, b: Member) => {
  const x = idFromString(a.id);
  const y = idFromString(b.id);
  return x < y ? -1 : x > y ? 1 : 0;
};

export class Cluster {
  readonly token: string;
  id = '0';
  private readonly byIdMap = new Map<string, Member>();
  /** IDs of members removed at some point; they may never come back. */
  readonly removed = new Set<string>();

  constructor(token: string) {
    this.token = token;
  }

  /**
   * NewClusterFromString: "name=url,name=url,..." (a name may repeat to give a member
   * several URLs). Throws with etcd's message for bad escapes, empty or invalid URLs and
   * two names with identical URLs (hence identical IDs).
   */
  static fromString(token: string, s: string): Cluster {
    const c = new Cluster(token);
    const byName = parseQuery(s.replaceAll(',', '&'));
    for (const [name, urls] of byName) {
      if (urls.length === 0 || urls[0] === '')
        throw new ClusterConfigError(`Empty URL given for ${JSON.stringify(name)}`);
      let purls: string[];
      try {
        purls = parseUrlList(urls.join(','));
      } catch (e) {
        throw new ClusterConfigError((e as Error).message);
      }
      const m = newMember(name, purls, token);
      if (c.byIdMap.has(m.id))
        throw new ClusterConfigError(`Member exists with identical ID ${m.goString()}`);
      c.byIdMap.set(m.id, m);
    }
    c.genId();
    return c;
  }

  /** A cluster learnt from elsewhere (a peer's /members, the store), with a known ID. */
  static fromMembers(token: string, id: string, members: readonly Member[]): Cluster {
    const c = new Cluster(token);
    c.id = id;
    for (const m of members) c.byIdMap.set(m.id, m.clone());
    return c;
  }

  /** Members sorted by ID (copies). */
  members(): Member[] {
    return [...this.byIdMap.values()].sort(byId).map((m) => m.clone());
  }

  member(id: string): Member | undefined {
    return this.byIdMap.get(id)?.clone();
  }

  get size(): number {
    return this.byIdMap.size;
  }

  /** The member with this name; etcd treats two members with one name as a bug. */
  memberByName(name: string): Member | undefined {
    let found: Member | undefined;
    for (const m of this.byIdMap.values()) {
      if (m.name !== name) continue;
      if (found)
        throw new ClusterConfigError(
          `two members with the given name ${JSON.stringify(name)} exist`,
        );
      found = m;
    }
    return found?.clone();
  }

  memberIds(): string[] {
    return [...this.byIdMap.values()].sort(byId).map((m) => m.id);
  }

  isIdRemoved(id: string): boolean {
    return this.removed.has(id);
  }

  /** Every member's peer URLs, sorted. */
  peerURLs(): string[] {
    const out: string[] = [];
    for (const m of this.byIdMap.values()) out.push(...m.peerURLs);
    return out.sort(compareGoStrings);
  }

  /** Every member's client URLs, sorted (/v2/machines). */
  clientURLs(): string[] {
    const out: string[] = [];
    for (const m of this.byIdMap.values()) out.push(...m.clientURLs);
    return out.sort(compareGoStrings);
  }

  /** "name=url,..." sorted, as etcd prints a cluster. */
  toString(): string {
    const parts: string[] = [];
    for (const m of this.byIdMap.values()) for (const u of m.peerURLs) parts.push(`${m.name}=${u}`);
    return parts.sort(compareGoStrings).join(',');
  }

  /** Cluster ID from the member IDs (etcd's genID). */
  genId(): void {
    this.id = computeClusterId(this.memberIds());
  }

  /** No peer URL may appear twice (Cluster.Validate). */
  validate(): void {
    const seen = new Set<string>();
    for (const m of this.members()) {
      for (const u of m.peerURLs) {
        if (seen.has(u)) throw new ClusterConfigError(`duplicate url ${u} in cluster config`);
        seen.add(u);
      }
    }
  }

  addMember(m: Member): void {
    this.byIdMap.set(m.id, m.clone());
  }

  removeMember(id: string): void {
    this.byIdMap.delete(id);
    this.removed.add(id);
  }

  updatePeerURLs(id: string, peerURLs: readonly string[]): void {
    const m = this.byIdMap.get(id);
    if (m) m.peerURLs = [...peerURLs].sort(compareGoStrings);
  }

  updateAttributes(id: string, name: string, clientURLs: readonly string[]): void {
    const m = this.byIdMap.get(id);
    if (m) {
      m.name = name;
      m.clientURLs = [...clientURLs];
    }
  }

  /** Replaces every member's ID by the existing cluster's (ValidateClusterAndAssignIDs). */
  replaceMembers(members: readonly Member[]): void {
    this.byIdMap.clear();
    for (const m of members) this.byIdMap.set(m.id, m.clone());
  }

  /** GET /v2/members body, byte for byte as etcd: {"members":[...]} sorted by ID. */
  membersJSON(): string {
    return goJSON({ members: this.members().map((m) => m.toJSON()) });
  }

  /**
   * The peer API's GET /members body (a JSON array of etcd's Member struct, whose fields
   * are id, peerURLs, name (omitted when empty), clientURLs (omitted when empty)).
   */
  peerMembersJSON(): string {
    return goJSON(this.members().map(memberToPeerJSON));
  }
}

export function memberToPeerJSON(m: Member): Record<string, unknown> {
  const o: Record<string, unknown> = { id: m.id, peerURLs: m.peerURLs };
  if (m.name !== '') o.name = m.name;
  if (m.clientURLs.length) o.clientURLs = m.clientURLs;
  return o;
}

/** url.ParseQuery (keys in order of first appearance), errors as ClusterConfigError. */
function parseQuery(q: string): Map<string, string[]> {
  const m: Form = new Map();
  try {
    parseQueryInto(m, q);
  } catch (e) {
    throw new ClusterConfigError((e as Error).message);
  }
  return m;
}

// ---- bootstrap checks (etcdserver/config.go, etcdmain) ----

/** The seed's wording for a member missing from --initial-cluster. */
export function notListedMessage(name: string): string {
  return `${name} not listed in the initial cluster config`;
}

export function urlsMismatchMessage(name: string): string {
  return `${name} has different advertised URLs in the cluster and advertised peer URLs list`;
}

/** Throws the conflicting-cluster error unless the two IDs are the same cluster. */
export function checkClusterIdMatch(local: string, remote: string): void {
  if (remote !== local) throw new ClusterConfigError(conflictingClusterIdMessage(remote, local));
}

/**
 * Parses --initial-cluster (or the discovery/SRV result) as etcd's setupCluster;
 * errors carry etcd's "error setting up initial cluster: " prefix.
 */
export function setupCluster(token: string, initialCluster: string): Cluster {
  try {
    return Cluster.fromString(token, initialCluster);
  } catch (e) {
    throw new ClusterConfigError(`error setting up initial cluster: ${(e as Error).message}`);
  }
}

/**
 * verifyLocalMember: this member is in the cluster and, when strict (bootstrapping a new
 * cluster), its advertised peer URLs are exactly its entry's (host names equal to the IPs
 * they resolve to; http and https differ).
 */
export async function verifyLocalMember(
  cluster: Cluster,
  name: string,
  advertisePeerURLs: readonly string[],
  strict: boolean,
  resolver?: Resolver,
): Promise<Member> {
  const m = cluster.memberByName(name);
  if (!m) throw new ClusterConfigError(notListedMessage(name));
  if (m.id === '0') throw new ClusterConfigError('cannot use 0 as member id');
  if (strict) {
    const apurls = [...advertisePeerURLs].sort(compareGoStrings);
    if (!(await urlStringsEqual(apurls, m.peerURLs, resolver))) {
      throw new ClusterConfigError(urlsMismatchMessage(name));
    }
  }
  return m;
}

/** ServerConfig.VerifyBootstrap: a new cluster from --initial-cluster or discovery. */
export async function verifyBootstrap(
  cluster: Cluster,
  name: string,
  advertisePeerURLs: readonly string[],
  discoveryUrl: string,
  resolver?: Resolver,
): Promise<Member> {
  const m = await verifyLocalMember(cluster, name, advertisePeerURLs, true, resolver);
  cluster.validate();
  if (cluster.toString() === '' && discoveryUrl === '') {
    throw new ClusterConfigError('initial cluster unset and no discovery URL found');
  }
  return m;
}

/** ServerConfig.VerifyJoinExisting: --initial-cluster-state existing. */
export async function verifyJoinExisting(
  cluster: Cluster,
  name: string,
  discoveryUrl: string,
): Promise<Member> {
  const m = await verifyLocalMember(cluster, name, [], false);
  cluster.validate();
  if (discoveryUrl !== '') {
    throw new ClusterConfigError(
      'discovery URL should not be set when joining existing initial cluster',
    );
  }
  return m;
}

/**
 * ValidateClusterAndAssignIDs: the local --initial-cluster must list the same members
 * (by peer URLs) as the running cluster; the local members then take the running IDs,
 * and the local cluster the running cluster's ID.
 */
export async function validateClusterAndAssignIds(
  local: Cluster,
  existing: Cluster,
  resolver?: Resolver,
): Promise<void> {
  const ems = existing.members();
  const lms = local.members();
  const fail = (why: string) =>
    new ClusterConfigError(`error validating peerURLs ${existing.toString()}: ${why}`);
  if (ems.length !== lms.length) throw fail('member count is unequal');
  const byFirstUrl = (a: Member, b: Member) =>
    compareGoStrings(a.peerURLs[0] ?? '', b.peerURLs[0] ?? '');
  ems.sort(byFirstUrl);
  lms.sort(byFirstUrl);
  for (let i = 0; i < ems.length; i++) {
    if (!(await urlStringsEqual(ems[i]!.peerURLs, lms[i]!.peerURLs, resolver))) {
      throw fail('unmatched member while checking PeerURLs');
    }
    lms[i]!.id = ems[i]!.id;
  }
  local.replaceMembers(lms);
  local.id = existing.id;
}

/** Peer URLs of every member but the named one, sorted (where to ask for the cluster). */
export function remotePeerURLs(cluster: Cluster, localName: string): string[] {
  const out: string[] = [];
  for (const m of cluster.members()) if (m.name !== localName) out.push(...m.peerURLs);
  return out.sort(compareGoStrings);
}

/** "member <id> has already been bootstrapped" (a restarted member without its data dir). */
export function alreadyBootstrappedMessage(id: string): string {
  return `member ${id} has already been bootstrapped`;
}
