// Cluster membership kept in the v2 store, as etcd 2.0 keeps it: /0/members/<id>/raftAttributes
// ({"peerURLs":[...]}) and /attributes ({"name":...,"clientURLs":[...]}), and
// /0/removed_members/<id>. Every change goes through the store (and so consumes store
// indexes, counts in the store stats and travels in snapshots); the member list is read back
// from it. Pure: the store and "now" are arguments.
import { goString } from '../store/json.js';
import type { NodeExtern } from '../store/event.js';
import { EtcdError } from '../store/errors.js';
import type { Store, TTLOptions } from '../store/store.js';
import type { MemberInfo } from './membership.js';

export const STORE_ADMIN_PREFIX = '/0';
export const STORE_KEYS_PREFIX = '/1';
export const STORE_NAMESPACES: readonly string[] = [STORE_ADMIN_PREFIX, STORE_KEYS_PREFIX];
const MEMBERS = '/0/members';
const REMOVED = '/0/removed_members';
const PERMANENT: TTLOptions = { expireTime: 0, expireNs: 0, refresh: false };

export function memberStoreKey(id: string): string {
  return `${MEMBERS}/${id}`;
}

export function memberAttributesPath(id: string): string {
  return `${MEMBERS}/${id}/attributes`;
}

function goStrings(list: readonly string[] | null): string {
  return list === null ? 'null' : `[${list.map(goString).join(',')}]`;
}

/** etcd's RaftAttributes as Go JSON. */
export function raftAttributesJSON(peerURLs: readonly string[] | null): string {
  return `{"peerURLs":${goStrings(peerURLs)}}`;
}

/** etcd's Attributes as Go JSON (both fields omitted while empty). */
export function attributesJSON(name: string, clientURLs: readonly string[]): string {
  const parts: string[] = [];
  if (name !== '') parts.push(`"name":${goString(name)}`);
  if (clientURLs.length > 0) parts.push(`"clientURLs":${goStrings(clientURLs)}`);
  return `{${parts.join(',')}}`;
}

/** A member as a ConfChange context holds it: etcd's Member as Go JSON, the ID in decimal. */
export function memberContextJSON(m: MemberInfo): string {
  let s = `{"id":${BigInt(`0x${m.id}`).toString(10)},"peerURLs":${goStrings(m.peerURLs)}`;
  if (m.name !== '') s += `,"name":${goString(m.name)}`;
  if (m.clientURLs.length > 0) s += `,"clientURLs":${goStrings(m.clientURLs)}`;
  return `${s}}`;
}

/** The decimal or numeric "id" of a member's JSON, read without losing 64-bit precision. */
function idFromJSON(text: string): string {
  const m = /"id"\s*:\s*(\d{1,20})\s*[,}]/.exec(text);
  if (m === null) throw new Error('member context has no numeric "id"');
  const v = BigInt(m[1]!);
  if (v >= 1n << 64n) throw new Error(`member id ${m[1]} overflows uint64`);
  return v.toString(16);
}

function stringList(v: unknown, what: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw new Error(`${what} is not a list of strings`);
  }
  return v as string[];
}

/** Parses a ConfChange context (etcd's Member JSON); throws on anything else. */
export function parseMemberContext(b: Uint8Array): MemberInfo {
  const text = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
  const v = JSON.parse(text) as Record<string, unknown>;
  if (typeof v !== 'object' || v === null) throw new Error('member context is not an object');
  return {
    id: idFromJSON(text),
    name: typeof v.name === 'string' ? v.name : '',
    peerURLs: stringList(v.peerURLs, 'peerURLs'),
    clientURLs: stringList(v.clientURLs, 'clientURLs'),
  };
}

// ---- writes (etcd's Cluster.AddMember, RemoveMember, UpdateRaftAttributes) ----

export function storeAddMember(store: Store, m: MemberInfo, now: number): void {
  store.create(
    `${memberStoreKey(m.id)}/raftAttributes`,
    false,
    raftAttributesJSON(m.peerURLs),
    false,
    PERMANENT,
    now,
  );
}

export function storeRemoveMember(store: Store, id: string, now: number): void {
  store.delete(memberStoreKey(id), true, true, now);
  store.create(`${REMOVED}/${id}`, false, '', false, PERMANENT, now);
}

export function storeUpdateRaftAttributes(
  store: Store,
  id: string,
  peerURLs: readonly string[],
  now: number,
): void {
  store.update(
    `${memberStoreKey(id)}/raftAttributes`,
    raftAttributesJSON(peerURLs),
    PERMANENT,
    now,
  );
}

const ATTRIBUTES_PATH = /^\/0\/members\/([0-9a-fA-F]{1,16})\/attributes$/;

/**
 * The member whose published attributes a plain PUT of `path` sets, or null. (etcd 2.0
 * matches its pattern anywhere in the path and then crashes on user keys such as
 * /v2/keys/0/members/1/attributes; only /0 paths count here.)
 */
export function attributesTarget(path: string): string | null {
  const m = ATTRIBUTES_PATH.exec(path);
  return m === null ? null : BigInt(`0x${m[1]}`).toString(16);
}

/** Parses a published attributes value; null if it is not etcd's Attributes JSON. */
export function parseAttributes(val: string): { name: string; clientURLs: string[] } | null {
  try {
    const v = JSON.parse(val) as Record<string, unknown>;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
    if (v.name !== undefined && v.name !== null && typeof v.name !== 'string') return null;
    return {
      name: (v.name as string | undefined) ?? '',
      clientURLs: stringList(v.clientURLs, 'clientURLs'),
    };
  } catch {
    return null;
  }
}

// ---- reads (etcd's membersFromStore) ----

export interface StoredMembership {
  members: Map<string, MemberInfo>;
  removed: Set<string>;
}

function baseName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

function idFromKey(key: string): string {
  const s = baseName(key);
  if (!/^[0-9a-fA-F]{1,16}$/.test(s)) throw new Error(`bad member key ${key}`);
  return BigInt(`0x${s}`).toString(16);
}

function nodeToMember(n: NodeExtern): MemberInfo {
  const m: MemberInfo = { id: idFromKey(n.key), name: '', peerURLs: [], clientURLs: [] };
  let raft: string | null = null;
  let attrs: string | null = null;
  for (const c of n.nodes ?? []) {
    if (c.key === `${n.key}/raftAttributes`) raft = c.value ?? '';
    else if (c.key === `${n.key}/attributes`) attrs = c.value ?? '';
    else throw new Error(`unknown key ${JSON.stringify(c.key)}`);
  }
  if (raft === null) throw new Error("raftAttributes key doesn't exist");
  const ra = JSON.parse(raft) as Record<string, unknown>;
  m.peerURLs = stringList(ra?.peerURLs, 'peerURLs');
  if (attrs !== null) {
    const a = parseAttributes(attrs);
    if (a === null) throw new Error(`unmarshal attributes error: ${attrs}`);
    m.name = a.name;
    m.clientURLs = a.clientURLs;
  }
  return m;
}

function getOrNull(store: Store, path: string, now: number): NodeExtern | null {
  try {
    return store.get(path, true, true, now).node;
  } catch (e) {
    if (e instanceof EtcdError && e.errorCode === 100) return null;
    throw e;
  }
}

/**
 * The membership the store holds. Reads the store as etcd does (two recursive GETs, the
 * second only if the first found something), so the store's get counters move the same.
 */
export function membersFromStore(store: Store, now: number): StoredMembership {
  const out: StoredMembership = { members: new Map(), removed: new Set() };
  const ms = getOrNull(store, MEMBERS, now);
  if (ms === null) return out;
  for (const n of ms.nodes ?? []) {
    const m = nodeToMember(n);
    out.members.set(m.id, m);
  }
  const rs = getOrNull(store, REMOVED, now);
  if (rs === null) return out;
  for (const n of rs.nodes ?? []) out.removed.add(idFromKey(n.key));
  return out;
}

// ---- etcd's ValidateConfigurationChange, at apply time ----

export const CONF_CHANGE_ERRORS = {
  idRemoved: 'etcdserver: ID removed',
  idExists: 'etcdserver: ID exists',
  idNotFound: 'etcdserver: ID not found',
  peerURLExists: 'etcdserver: peerURL exists',
} as const;

export type ConfChangeKind = 'add' | 'remove' | 'update';

/**
 * Checks a committed configuration change against the membership in the store, as etcd
 * 2.0 does before applying it. Returns the error message, or null if it may be applied.
 * `member` is the context's member (add, update).
 */
export function validateConfChange(
  store: Store,
  kind: ConfChangeKind,
  nodeId: string,
  member: MemberInfo | null,
  now: number,
): string | null {
  const { members, removed } = membersFromStore(store, now);
  if (removed.has(nodeId)) return CONF_CHANGE_ERRORS.idRemoved;
  switch (kind) {
    case 'add': {
      if (members.has(nodeId)) return CONF_CHANGE_ERRORS.idExists;
      const urls = new Set<string>();
      for (const m of members.values()) for (const u of m.peerURLs) urls.add(u);
      for (const u of member?.peerURLs ?? [])
        if (urls.has(u)) return CONF_CHANGE_ERRORS.peerURLExists;
      return null;
    }
    case 'remove':
      return members.has(nodeId) ? null : CONF_CHANGE_ERRORS.idNotFound;
    case 'update': {
      if (!members.has(nodeId)) return CONF_CHANGE_ERRORS.idNotFound;
      const urls = new Set<string>();
      for (const m of members.values()) {
        if (m.id === nodeId) continue;
        for (const u of m.peerURLs) urls.add(u);
      }
      for (const u of member?.peerURLs ?? [])
        if (urls.has(u)) return CONF_CHANGE_ERRORS.peerURLExists;
      return null;
    }
  }
}
