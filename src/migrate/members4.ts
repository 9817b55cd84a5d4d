// The members of a 0.4 cluster, as 2.0 knows them: one per machine under /_etcd/machines,
// its peer URL the 0.4 raft URL, its client URL the 0.4 etcd URL, its ID computed from the
// raft URL with the token "etcd-cluster" (what 2.0's upgrade uses, so members upgraded one
// by one, by us or by Go, agree), in a cluster whose ID is 0x4add5.
import { computeMemberId } from '../pkg/ids.js';
import type { MemberInfo } from '../server/membership.js';
import { attributesJSON, raftAttributesJSON } from '../server/membership-store.js';
import { Node } from '../store/node.js';
import type { Store } from '../store/store.js';
import type { Conf4 } from './conf4.js';
import { MACHINES_KEY, parseMachineValue } from './replay.js';
import { storeKey } from './to-store.js';

export const MIGRATED_CLUSTER_ID = '4add5';
const TOKEN_04 = 'etcd-cluster';

export function membersFromStore(s: Store): MemberInfo[] {
  const machines = s.find(storeKey(MACHINES_KEY));
  if (machines === null || machines.children === null) return [];
  const out: MemberInfo[] = [];
  for (const m of machines.children) {
    const { raft, etcd } = parseMachineValue(m.value);
    if (raft === '') continue;
    out.push({
      id: computeMemberId([raft], TOKEN_04),
      name: m.name(),
      peerURLs: [raft],
      clientURLs: etcd === '' ? [] : [etcd],
    });
  }
  return out;
}

export class Identity4Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Identity4Error';
  }
}

/**
 * Which machine this data dir belongs to: `name` when it is one of them; otherwise the one
 * machine go-raft's conf does not list as a peer (conf lists every member but itself).
 */
export function findSelf(
  members: readonly MemberInfo[],
  conf: Conf4,
  name: string | undefined,
): MemberInfo {
  const names = members.map((m) => m.name).join(', ') || 'none';
  if (name !== undefined && name !== '') {
    const m = members.find((x) => x.name === name);
    if (m !== undefined) return m;
  }
  const peers = new Set(conf.peers.map((p) => p.name));
  const left = members.filter((m) => !peers.has(m.name));
  if (left.length === 1) return left[0]!;
  const given = name ? `--name ${JSON.stringify(name)} is not one of them, and ` : '';
  throw new Identity4Error(
    `cannot tell which member of the 0.4 cluster this data dir belongs to (members: ${names}): ` +
      `${given}the conf file's peers leave ${left.length === 0 ? 'no' : 'more than one'} candidate; ` +
      "pass --name with this member's 0.4 name",
  );
}

/**
 * The membership under /0 as etcd 2.0.13's upgrade writes it: /0/members/<id>/raftAttributes
 * and /attributes for every machine under /1/_etcd/machines, each with its machine node's
 * indexes (/0/members with the machines directory's), and none of it consuming a store
 * index: 0.4's index stays the store's, so every user key keeps the index 0.4 gave it.
 */
export function addMembers04(s: Store): void {
  const machines = s.find(storeKey(MACHINES_KEY));
  const admin = s.nodes.get('/0');
  if (machines === null || machines.children === null || admin === undefined) return;
  const etcd = machines.parent!;
  admin.createdIndex = etcd.createdIndex;
  admin.modifiedIndex = etcd.modifiedIndex;
  const members = dirNode(s, admin, '/0/members', machines.createdIndex, machines.modifiedIndex);
  const byName = new Map(membersFromStore(s).map((m) => [m.name, m]));
  for (const mn of machines.children) {
    const m = byName.get(mn.name());
    if (m === undefined) continue;
    const base = `/0/members/${m.id}`;
    const d = dirNode(s, members, base, mn.createdIndex, mn.modifiedIndex);
    fileNode(s, d, `${base}/attributes`, attributesJSON(m.name, m.clientURLs), mn);
    fileNode(s, d, `${base}/raftAttributes`, raftAttributesJSON(m.peerURLs), mn);
  }
}

function dirNode(s: Store, parent: Node, key: string, created: number, modified: number): Node {
  const n = new Node(key, parent, created, '', true, 0);
  n.modifiedIndex = modified;
  parent.children!.add(n);
  s.nodes.set(key, n);
  return n;
}

function fileNode(s: Store, parent: Node, key: string, value: string, from: Node): void {
  const n = new Node(key, parent, from.createdIndex, value, false, 0);
  n.modifiedIndex = from.modifiedIndex;
  parent.children!.add(n);
  s.nodes.set(key, n);
}
