// An ApplyState and ApplySink in memory, and entries to apply: for tests of apply.ts.
import { encodeConfChange } from '../../src/raft/raftpb.js';
import { type ConfChange, ConfChangeType, type Entry, EntryType } from '../../src/raft/types.js';
import type { ApplySink, ApplyState } from '../../src/server/apply.js';
import { Membership } from '../../src/server/membership.js';
import { Store } from '../../src/store/store.js';

export const GARBAGE = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff]);

export function state(): ApplyState {
  return {
    store: new Store(),
    membership: new Membership(),
    selfId: 'a',
    localRequests: new WeakMap(),
  };
}

export function sink(calls: string[]): ApplySink {
  return {
    trigger: (id) => calls.push(`trigger ${id}`),
    fail: (id) => calls.push(`fail ${id}`),
    applyConfChange: (cc) => {
      calls.push(`raft ${ConfChangeType[cc.type]} ${cc.nodeId}`);
      return { voters: [cc.nodeId], learners: [] };
    },
    addPeer: (id) => calls.push(`addPeer ${id}`),
    updatePeer: (id) => calls.push(`updatePeer ${id}`),
    removePeer: (id) => calls.push(`removePeer ${id}`),
    removedSelf: () => calls.push('removedSelf'),
  };
}

export const normal = (index: number, data: Uint8Array): Entry => ({
  term: 1,
  index,
  type: EntryType.Normal,
  data,
});
export const confChange = (index: number, cc: ConfChange): Entry => ({
  term: 1,
  index,
  type: EntryType.ConfChange,
  data: encodeConfChange(cc),
});
