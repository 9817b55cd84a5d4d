// The apply step: a committed entry becomes a change to the store or the membership, and
// a result for the waiter of the request it carries. No I/O and no clock of its own (the
// time is an argument); what must happen outside (peers to add, this member removed) is
// told to the sink. Anything that could make members disagree throws FatalError.
import { decodeConfChange } from '../raft/codec.js';
import {
  type ConfChange,
  ConfChangeType,
  type ConfState,
  type Entry,
  EntryType,
} from '../raft/types.js';
import { EtcdError } from '../store/errors.js';
import type { StoreEvent } from '../store/event.js';
import { applyRequest, decodeRequest, type V2Request } from '../store/request.js';
import type { Store } from '../store/store.js';
import { FatalError } from './errors.js';
import { decodeMemberContext, type MemberInfo, type Membership } from './membership.js';

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

const ATTRIBUTES_PATH = /^\/0\/members\/([0-9a-f]+)\/attributes$/;

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
      p.confState = applyConfChangeEntry(st, sink, e);
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
  if (r === undefined) {
    try {
      r = decodeRequest(e.data);
    } catch (err) {
      throw new FatalError(`cannot decode committed entry ${e.index}: ${(err as Error).message}`);
    }
  }
  if (r.method === 'PUT' && r.path.startsWith('/0/members/')) {
    applyAttributes(st, r, e.index);
    sink.trigger(r.id, null);
    return;
  }
  let result: StoreEvent;
  try {
    result = applyRequest(st.store, r, now);
  } catch (err) {
    if (err instanceof EtcdError) {
      sink.fail(r.id, err);
      return;
    }
    throw new FatalError(`applying entry ${e.index}: ${(err as Error).message}`);
  }
  sink.trigger(r.id, result);
}

function applyAttributes(st: ApplyState, r: V2Request, index: number): void {
  const m = ATTRIBUTES_PATH.exec(r.path);
  if (m === null) return;
  let a: { name?: string; clientURLs?: string[] };
  try {
    a = JSON.parse(r.val) as { name?: string; clientURLs?: string[] };
  } catch (err) {
    // Go etcd panics here: an attributes entry is written by a member, never by a client.
    throw new FatalError(
      `cannot parse member attributes in entry ${index}: ${(err as Error).message}`,
    );
  }
  st.membership.setAttributes(m[1]!, String(a?.name ?? ''), a?.clientURLs ?? []);
}

function applyConfChangeEntry(st: ApplyState, sink: ApplySink, e: Entry): ConfState {
  let cc: ConfChange;
  try {
    cc = decodeConfChange(e.data);
  } catch (err) {
    throw new FatalError(
      `cannot decode committed conf change ${e.index}: ${(err as Error).message}`,
    );
  }
  let info: MemberInfo | null = null;
  if (cc.type !== ConfChangeType.RemoveNode) {
    info = decodeMemberContext(cc.context);
    // Checked before raft changes its configuration: raft and the membership must agree.
    if (info === null) {
      throw new FatalError(
        `conf change ${e.index} (${ConfChangeType[cc.type]} ${cc.nodeId}): member context does not parse`,
      );
    }
  }
  const cs = sink.applyConfChange(cc);
  switch (cc.type) {
    case ConfChangeType.AddNode:
    case ConfChangeType.AddLearnerNode:
      if (!st.membership.removed.has(cc.nodeId)) {
        st.membership.add({ ...info!, id: cc.nodeId });
        if (cc.nodeId !== st.selfId) sink.addPeer(cc.nodeId, info!.peerURLs);
      }
      break;
    case ConfChangeType.RemoveNode:
      st.membership.remove(cc.nodeId);
      if (cc.nodeId === st.selfId) sink.removedSelf();
      else sink.removePeer(cc.nodeId);
      break;
    case ConfChangeType.UpdateNode:
      st.membership.updatePeerURLs(cc.nodeId, info!.peerURLs);
      if (cc.nodeId !== st.selfId) sink.updatePeer(cc.nodeId, info!.peerURLs);
      break;
  }
  sink.trigger(cc.id, st.membership);
  return cs;
}
