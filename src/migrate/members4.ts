// The members of a 0.4 cluster, as 2.0 knows them: one per machine under /_etcd/machines,
// its peer URL the 0.4 raft URL, its client URL the 0.4 etcd URL, its ID computed from the
// raft URL with the token "etcd-cluster" (what 2.0's upgrade uses, so members upgraded one
// by one, by us or by Go, agree), in a cluster whose ID is 0x4add5.
import { computeMemberId } from '../pkg/ids.js';
import type { MemberInfo } from '../server/membership.js';
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
