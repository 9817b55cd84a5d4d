// The raft loop does not write a hard state whose only change is the commit index, except
// when a configuration change is about to be applied: the commit covering it is made
// durable first. (A member restarted with an older commit counts the voters from before
// the change; the simulator found a two-member configuration that could then elect no one.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeConfChange } from '../../src/raft/raftpb.js';
import { MemoryStorage } from '../../src/raft/storage.js';
import {
  ConfChangeType,
  EMPTY_BYTES,
  type Entry,
  EntryType,
  type HardState,
  type Ready,
} from '../../src/raft/types.js';
import { type LoopHost, RaftLoop, type ReadyNode } from '../../src/server/raft-loop.js';
import { loopScheduler } from '../helpers/loop-scheduler.js';

function ready(hardState: HardState | null, committedEntries: Entry[]): Ready {
  return {
    softState: null,
    hardState,
    readStates: [],
    entries: [],
    snapshot: null,
    committedEntries,
    messages: [],
    mustSync: false,
  };
}

const normal: Entry = { type: EntryType.Normal, term: 2, index: 5, data: EMPTY_BYTES };
const conf: Entry = {
  type: EntryType.ConfChange,
  term: 2,
  index: 6,
  data: encodeConfChange({
    id: '1',
    type: ConfChangeType.RemoveNode,
    nodeId: '3',
    context: EMPTY_BYTES,
  }),
};

test('a commit-only hard state is written only to cover a configuration change', async () => {
  const storage = new MemoryStorage();
  storage.setHardState({ term: 2, vote: '1', commit: 4 });
  const script = [
    // The commit moves to 6 and entry 5 is applied: nothing written.
    ready({ term: 2, vote: '1', commit: 6 }, [normal]),
    // The configuration change at 6 comes in a Ready without a hard state change.
    ready(null, [conf]),
  ];
  const events: string[] = [];
  const node: ReadyNode = {
    hasReady: () => script.length > 0,
    ready: () => script.shift()!,
    advance: () => {},
  };
  const host: LoopHost = {
    beforeReady: () => {},
    onSoftState: () => {},
    isLeader: () => false,
    send: () => {},
    apply: (ents) => {
      for (const e of ents ?? []) events.push(`apply ${e.index}`);
    },
    restore: () => {},
    persisted: (commit) => events.push(`durable commit ${commit}`),
    hasWork: () => false,
    work: async () => {},
    hasBuffered: () => false,
    afterReady: () => {},
    fatal: (e) => events.push(`fatal ${e.message}`),
    walSynced: () => {},
  };
  const sched = loopScheduler();
  const saves: (HardState | null)[] = [];
  const loop = new RaftLoop(
    node,
    storage,
    {
      save: async (hs) => {
        saves.push(hs);
        events.push(`save ${hs === null ? 'no hard state' : `commit ${hs.commit}`}`);
      },
      saveSnapshot: async () => {},
    },
    host,
    sched,
  );
  while (script.length > 0) {
    loop.schedule();
    await loop.idle();
  }
  assert.deepEqual(events, ['apply 5', 'save commit 6', 'durable commit 6', 'apply 6']);
  assert.deepEqual(saves, [{ term: 2, vote: '1', commit: 6 }]);
});
