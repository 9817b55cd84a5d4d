// The apply step: a committed entry becomes a change to the store (and so to the membership,
// which etcd 2.0 keeps in the store under /0), and a result for the waiter of the request it
// carries. No I/O and no clock of its own (the time is an argument); what must happen
// outside (peers to add, this member removed) is told to the sink. Anything that could make members disagree throws FatalError.
import { decodeConfChange } from '../raft/raftpb.js';
import {
  type ConfChange,
  ConfChangeType,
  type ConfState,
  type Entry,
  EntryType,
  NONE,
} from '../raft/types.js';
import type { V2Request } from '../store/request.js';
import type { Store } from '../store/store.js';
import {
  FatalError,
  idExistsError,
  idRemovedError,
  memberNotFoundError,
  peerUrlExistsError,
  ServerError,
} from './errors.js';
import { decodeRequest } from './etcdserverpb.js';
import type { Membership } from './membership.js';
import { CONF_CHANGE_ERRORS, type ConfChangeKind } from './membership-store.js';
import {
  applyConfChangeToStore,
  applyRequestToStore,
  type ConfChangeResult,
  type RequestResult,
} from './store-apply.js';

/** What applying asks of the member around it. */
export interface ApplySink {
  /** The request with this id was applied: its waiter (if here) gets the value. */
  trigger(id: string, value: unknown): void;
  /** The request with this id failed with a store error. */
  fail(id: string, err: Error): void;
  /** Raft's own configuration change (returns the new configuration). */
  applyConfChange(cc: ConfChange): ConfState;
  addPeer(id: string, peerURLs: string[]): void;
  updatePeer(id: string, peerURLs: string[]): void;
  removePeer(id: string): void;
  /** This member was removed from the cluster. */
  removedSelf(): void;
}

export interface ApplyState {
  store: Store;
  membership: Membership;
  selfId: string;
  /** Requests proposed here, by their encoded bytes (an entry's data): no decode needed. */
  localRequests: WeakMap<Uint8Array, V2Request>;
}

export interface ApplyProgress {
  applied: number;
  appliedTerm: number;
  /** Normal entries with data among those applied. */
  normal: number;
  confState: ConfState | null;
}

/** Applies the entries past `applied`, in order. Throws FatalError on a broken entry. */
export function applyEntries(
  st: ApplyState,
  sink: ApplySink,
  ents: Entry[],
  applied: number,
  now: number,
): ApplyProgress {
  const p: ApplyProgress = { applied, appliedTerm: 0, normal: 0, confState: null };
  for (let i = 0; i < ents.length; i++) {
    const e = ents[i]!;
    if (e.index <= p.applied) continue;
    if (e.type === EntryType.ConfChange) {
      p.confState = applyConfChangeEntry(st, sink, e, now);
    } else if (e.data.length > 0) {
      applyNormal(st, sink, e, now);
      p.normal++;
    }
    p.applied = e.index;
    p.appliedTerm = e.term;
  }
  return p;
}

function applyNormal(st: ApplyState, sink: ApplySink, e: Entry, now: number): void {
  let r = st.localRequests.get(e.data);
  // Applied once: the log keeps the entry's bytes until a compaction, but not the request.
  if (r !== undefined) st.localRequests.delete(e.data);
  else {
    try {
      r = decodeRequest(e.data);
    } catch (err) {
      throw new FatalError(`cannot decode committed entry ${e.index}: ${(err as Error).message}`);
    }
  }
  let res: RequestResult;
  try {
    res = applyRequestToStore(st.store, r, now);
  } catch (err) {
    throw new FatalError(`entry ${e.index}: ${(err as Error).message}`);
  }
  if (res.attributes !== null) {
    const a = res.attributes;
    st.membership.setAttributes(a.id, a.name, a.clientURLs);
  }
  if (res.error !== null) sink.fail(r.id, res.error);
  else sink.trigger(r.id, res.event);
}

const KINDS: Partial<Record<ConfChangeType, ConfChangeKind>> = {
  [ConfChangeType.AddNode]: 'add',
  [ConfChangeType.RemoveNode]: 'remove',
  [ConfChangeType.UpdateNode]: 'update',
};

function refusal(message: string, nodeId: string): ServerError {
  switch (message) {
    case CONF_CHANGE_ERRORS.idRemoved:
      return idRemovedError();
    case CONF_CHANGE_ERRORS.idExists:
      return idExistsError();
    case CONF_CHANGE_ERRORS.peerURLExists:
      return peerUrlExistsError();
    case CONF_CHANGE_ERRORS.idNotFound:
      return memberNotFoundError(nodeId);
    default:
      return new ServerError('Internal', message);
  }
}

function applyConfChangeEntry(st: ApplyState, sink: ApplySink, e: Entry, now: number): ConfState {
  let cc: ConfChange;
  try {
    cc = decodeConfChange(e.data);
  } catch (err) {
    throw new FatalError(
      `cannot decode committed conf change ${e.index}: ${(err as Error).message}`,
    );
  }
  const kind = KINDS[cc.type];
  if (kind === undefined) {
    throw new FatalError(`conf change ${e.index}: type ${cc.type} is not one etcd 2.0 knows`);
  }
  // As etcd 2.0: checked again against the membership in the store; a refused change
  // changes nothing (raft sees it with no node) and its proposer gets the error.
  let res: ConfChangeResult;
  try {
    res = applyConfChangeToStore(st.store, kind, cc.nodeId, cc.context, now);
  } catch (err) {
    // Checked before raft changes its configuration: raft and the membership must agree.
    throw new FatalError(
      `conf change ${e.index} (${ConfChangeType[cc.type]} ${cc.nodeId}): ${(err as Error).message}`,
    );
  }
  if (res.error !== null) {
    const cs = sink.applyConfChange({ ...cc, nodeId: NONE });
    sink.fail(cc.id, refusal(res.error, cc.nodeId));
    return cs;
  }
  const cs = sink.applyConfChange(cc);
  const info = res.member!;
  switch (kind) {
    case 'add':
      st.membership.add(info);
      if (cc.nodeId !== st.selfId) sink.addPeer(cc.nodeId, info.peerURLs);
      break;
    case 'remove':
      st.membership.remove(cc.nodeId);
      if (cc.nodeId === st.selfId) sink.removedSelf();
      else sink.removePeer(cc.nodeId);
      break;
    case 'update':
      st.membership.updatePeerURLs(cc.nodeId, info.peerURLs);
      if (cc.nodeId !== st.selfId) sink.updatePeer(cc.nodeId, info.peerURLs);
      break;
  }
  sink.trigger(cc.id, st.membership);
  return cs;
}
