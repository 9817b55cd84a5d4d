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

/** Thrown where etcd 2.0 panics: members would part ways if one went on. */
export class DivergenceError extends Error {}

/**
 * Applies one committed request (etcd 2.0's applyRequest); store refusals are results.
 * Throws DivergenceError for a member's attributes that do not parse (etcd panics).
 */
export function applyRequestToStore(store: Store, r: V2Request, now: number): RequestResult {
  let attributes: RequestResult['attributes'] = null;
  if (storeCall(r) === 'set') {
    const id = attributesTarget(r.path);
    if (id !== null) {
      const a = parseAttributes(r.val);
      if (a === null) {
        throw new DivergenceError(`cannot parse member attributes ${JSON.stringify(r.val)}`);
      }
      attributes = { id, ...a };
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
 * context of an add or update is the member as Go JSON; one that does not parse, or names
 * another member, throws DivergenceError (etcd panics).
 */
export function applyConfChangeToStore(
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
      throw new DivergenceError(`member context does not parse: ${(e as Error).message}`);
    }
    if (member.id !== nodeId) {
      throw new DivergenceError(`member context names ${member.id}, the change ${nodeId}`);
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
