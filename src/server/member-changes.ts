// The checks etcd makes before proposing a membership change (POST/DELETE/PUT
// /v2/members): refused requests are ServerErrors and change nothing.
import { computeMemberId } from '../pkg/ids.js';
import { ConfChangeType } from '../raft/types.js';
import {
  idExistsError,
  idRemovedError,
  memberNotFoundError,
  memberRemovedError,
  peerUrlExistsError,
} from './errors.js';
import type { MemberInfo, Membership } from './membership.js';

export interface MemberChange {
  type: ConfChangeType;
  member: MemberInfo;
}

/** A new member: its ID from its peer URLs and the time, as etcd computes it. */
export function checkAdd(ms: Membership, peerURLs: string[], now: number): MemberChange {
  const id = computeMemberId(peerURLs, '', now);
  if (ms.removed.has(id)) throw idRemovedError();
  if (ms.has(id)) throw idExistsError();
  for (const m of ms.list()) {
    if (m.peerURLs.some((u) => peerURLs.includes(u))) throw peerUrlExistsError();
  }
  return {
    type: ConfChangeType.AddNode,
    member: { id, name: '', peerURLs, clientURLs: [] },
  };
}

export function checkRemove(ms: Membership, id: string): MemberChange {
  if (ms.removed.has(id)) throw memberRemovedError(id);
  const m = ms.get(id);
  if (m === undefined) throw memberNotFoundError(id);
  return { type: ConfChangeType.RemoveNode, member: m };
}

export function checkUpdate(ms: Membership, id: string, peerURLs: string[]): MemberChange {
  if (ms.removed.has(id)) throw idRemovedError();
  const m = ms.get(id);
  if (m === undefined) throw memberNotFoundError(id);
  for (const o of ms.list()) {
    if (o.id !== id && o.peerURLs.some((u) => peerURLs.includes(u))) throw peerUrlExistsError();
  }
  return { type: ConfChangeType.UpdateNode, member: { ...m, peerURLs } };
}
