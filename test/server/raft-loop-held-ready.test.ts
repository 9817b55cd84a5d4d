// The failure seen as "entry 5 leaves a gap after entry 3" on restarting the slowest member
// of a new cluster, replayed deterministically on the production RaftLoop: the member's
// vote (a hard-state-only Ready) is being saved when the new leader (elected by the third
// member) sends entry 4. Entry 4 must reach the WAL in a later save, before entry 5.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawNode } from '../../src/raft/rawnode.js';
import { MemoryStorage } from '../../src/raft/storage.js';
import type { Entry, HardState, Message } from '../../src/raft/types.js';
import {
  EMPTY_BYTES,
  EntryType,
  MessageType,
  newMessage,
  StateType,
} from '../../src/raft/types.js';
import { type LoopHost, RaftLoop } from '../../src/server/raft-loop.js';
import { config } from '../raft/network.js';
import { loopScheduler } from '../helpers/loop-scheduler.js';

interface Save {
  hs: HardState | null;
  /** As the WAL encodes them: at the call. */
  indexes: number[];
  done: () => void;
}

const turn = () => new Promise<void>((r) => setImmediate(r));

function app(index: number, logTerm: number, ents: Entry[], commit: number): Message {
  const m = newMessage(MessageType.App, '3', '1', 2);
  m.index = index;
  m.logTerm = logTerm;
  m.commit = commit;
  m.entries = ents;
  return m;
}

const entry = (index: number): Entry => ({
  index,
  term: 2,
  type: EntryType.Normal,
  data: EMPTY_BYTES,
});

test('entries arriving while a vote is being saved are saved next, with no gap', async () => {
  const sched = loopScheduler();
  const storage = new MemoryStorage();
  const rn = new RawNode(config('3', storage));
  rn.bootstrap(['1', '2', '3'].map((id) => ({ id, context: EMPTY_BYTES })));
  const saves: Save[] = [];
  const errors: Error[] = [];
  const applied: number[] = [];
  const host: LoopHost = {
    beforeReady: () => {},
    hasBuffered: () => false,
    onSoftState: () => {},
    isLeader: () => rn.state === StateType.Leader,
    send: () => {},
    apply: (ents) => {
      for (const e of ents ?? []) applied.push(e.index);
    },
    restore: () => {},
    persisted: () => {},
    hasWork: () => false,
    work: async () => {},
    afterReady: () => {},
    fatal: (e) => errors.push(e),
    walSynced: () => {},
  };
  const loop = new RaftLoop(
    rn,
    storage,
    {
      save: (hs, ents) =>
        new Promise<void>((done) => {
          saves.push({ hs: hs && { ...hs }, indexes: ents.map((e) => e.index), done });
        }),
      saveSnapshot: async () => {},
    },
    host,
    sched,
  );
  const pending = async (): Promise<Save> => {
    await turn();
    assert.deepEqual(errors, []);
    const s = saves.at(-1);
    assert.ok(s !== undefined, 'a save is in flight');
    return s;
  };
  loop.schedule();
  (await pending()).done(); // the bootstrap entries 1..3
  await turn();

  const vote = newMessage(MessageType.Vote, '3', '1', 2);
  vote.index = 3;
  vote.logTerm = 1;
  rn.step(vote);
  loop.schedule();
  const voteSave = await pending();
  assert.deepEqual(voteSave.indexes, []);
  assert.equal(voteSave.hs?.vote, '1');
  // Meanwhile '1' won with '2''s vote: its first append arrives before the vote is durable.
  rn.step(app(3, 1, [entry(4)], 3));
  loop.schedule();
  voteSave.done();
  await turn();
  rn.step(app(4, 2, [entry(5)], 5));
  loop.schedule();
  for (let i = 0; i < 10 && saves.at(-1)!.indexes.at(-1) !== 5; i++) (await pending()).done();
  (await pending()).done();
  await turn();
  assert.deepEqual(errors, []);

  // What a restart reads: each save's entries follow the previous ones without a gap.
  let last = 0;
  for (const s of saves) {
    if (s.indexes.length === 0) continue;
    assert.ok(
      s.indexes[0]! <= last + 1,
      `saves ${JSON.stringify(saves.map((x) => x.indexes))}: entry ${s.indexes[0]} after ${last}`,
    );
    last = s.indexes.at(-1)!;
  }
  assert.equal(last, 5);
  assert.deepEqual(applied, [1, 2, 3, 4, 5]);
});
