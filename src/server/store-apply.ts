// What applying one committed entry does to the store, as etcd 2.0's EtcdServer.apply:
// a normal entry is an etcdserverpb.Request (applyRequest; a plain PUT of a member's
// attributes also updates the member list), a ConfChange is validated again against the
// membership in the store and then written there. Pure: the store and "now" are arguments;
// raft, the transport and the waiters are the caller's business.
import { EtcdError, raftInternal } from '../store/errors.js';
import type { StoreEvent } from '../store/event.js';
import { applyRequest, storeCall, type V2Request } from '../store/request.js';
import type { Store } from '../store/store.js';
import type { MemberInfo } from './membership.js';
import {
  attributesTarget,
  type ConfChangeKind,
  parseAttributes,
  parseMemberContext,
  storeAddMember,
  storeRemoveMember,
  storeUpdateRaftAttributes,
  validateConfChange,
} from './membership-store.js';

export interface RequestResult {
  /** The store's answer, or null when it refused (then `error`). */
  event: StoreEvent | null;
  error: EtcdError | null;
  /** A published member's attributes, applied: the caller updates its member list. */
  attributes: { id: string; name: string; clientURLs: string[] } | null;
}

/** Applies one committed request (etcd 2.0's applyRequest); never throws EtcdError. */
export function applyRequestEntry(store: Store, r: V2Request, now: number): RequestResult {
  let attributes: RequestResult['attributes'] = null;
  if (storeCall(r) === 'set') {
    const id = attributesTarget(r.path);
    if (id !== null) {
      const a = parseAttributes(r.val);
      if (a !== null) attributes = { id, ...a };
    }
  }
  try {
    return { event: applyRequest(store, r, now), error: null, attributes };
  } catch (e) {
    if (e instanceof EtcdError) return { event: null, error: e, attributes: null };
    return {
      event: null,
      error: raftInternal((e as Error).message, store.index),
      attributes: null,
    };
  }
}

export interface ConfChangeResult {
  /** etcd's error text when the change was refused at apply time (nothing changed). */
  error: string | null;
  /** The member added or updated (from the context), or the one removed (id only). */
  member: MemberInfo | null;
}

/**
 * Applies one committed configuration change to the store, as etcd 2.0: validated again
 * (the member list may have changed since it was proposed), then written under /0. The
 * context of an add or update is the member as Go JSON; a context that is not is refused.
 */
export function applyConfChangeEntry(
  store: Store,
  kind: ConfChangeKind,
  nodeId: string,
  context: Uint8Array,
  now: number,
): ConfChangeResult {
  let member: MemberInfo | null = null;
  if (kind !== 'remove') {
    try {
      member = parseMemberContext(context);
    } catch (e) {
      return { error: `etcdserver: bad member context: ${(e as Error).message}`, member: null };
    }
    // etcd panics when they differ ("nodeID should always be equal to member ID").
    if (member.id !== nodeId) {
      return { error: "etcdserver: member ID differs from the change's node ID", member: null };
    }
  }
  const err = validateConfChange(store, kind, nodeId, member, now);
  if (err !== null) return { error: err, member: null };
  switch (kind) {
    case 'add':
      storeAddMember(store, member!, now);
      return { error: null, member };
    case 'remove':
      storeRemoveMember(store, nodeId, now);
      return { error: null, member: { id: nodeId, name: '', peerURLs: [], clientURLs: [] } };
    case 'update':
      storeUpdateRaftAttributes(store, nodeId, member!.peerURLs, now);
      return { error: null, member };
  }
}
