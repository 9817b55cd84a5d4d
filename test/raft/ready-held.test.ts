// A Ready is a snapshot of what raft asks the driver to do: what raft appends while the
// driver holds it (a save in flight) belongs to the next Ready. A Ready whose entries grew
// meanwhile had those entries marked stable by advance() though no WAL write carried them:
// the WAL then had a gap (found as "entry 5 leaves a gap after entry 3" on a restart).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawNode } from '../../src/raft/rawnode.js';
import { MemoryStorage } from '../../src/raft/storage.js';
import {
  EMPTY_BYTES,
  type Entry,
  EntryType,
  type Message,
  MessageType,
  newMessage,
  type Ready,
  StateType,
} from '../../src/raft/types.js';
import { bytes, config } from './network.js';

/** Does what the server loop does with a Ready once its save is durable. */
function persist(rn: RawNode, storage: MemoryStorage, rd: Ready): void {
  if (rd.hardState !== null) storage.setHardState(rd.hardState);
  if (rd.entries.length > 0) storage.append(rd.entries);
  rn.advance(rd);
}

function follower(): { rn: RawNode; storage: MemoryStorage } {
  const storage = new MemoryStorage();
  const rn = new RawNode(config('3', storage));
  rn.bootstrap(['1', '2', '3'].map((id) => ({ id, context: EMPTY_BYTES })));
  persist(rn, storage, rn.ready()); // entries 1..3, committed
  return { rn, storage };
}

function app(term: number, index: number, logTerm: number, ents: Entry[]): Message {
  const m = newMessage(MessageType.App, '3', '1', term);
  m.index = index;
  m.logTerm = logTerm;
  m.commit = 3;
  m.entries = ents;
  return m;
}

const entry = (index: number, term: number): Entry => ({
  index,
  term,
  type: EntryType.Normal,
  data: EMPTY_BYTES,
});

test('entries appended while a hard-state-only Ready is held stay out of it (and unstable)', () => {
  const { rn, storage } = follower();
  const vote = newMessage(MessageType.Vote, '3', '1', 2);
  vote.index = 3;
  vote.logTerm = 1;
  rn.step(vote);
  const rd = rn.ready();
  assert.deepEqual(rd.hardState, { term: 2, vote: '1', commit: 3 });
  assert.equal(rd.entries.length, 0);
  assert.ok(rd.mustSync);
  // The vote's save is in flight when the new leader's first append arrives (it won with
  // the third member's vote).
  rn.step(app(2, 3, 1, [entry(4, 2)]));
  assert.equal(rd.entries.length, 0, 'the held Ready took entry 4, which its save lacks');
  persist(rn, storage, rd);
  const next = rn.ready();
  assert.deepEqual(
    next.entries.map((e) => e.index),
    [4],
    'entry 4 is still to be saved',
  );
  persist(rn, storage, next);
  assert.equal(storage.lastIndex(), 4);
});

test('entries appended while a Ready with entries is held come in the next Ready', () => {
  const { rn, storage } = follower();
  rn.step(app(2, 3, 1, [entry(4, 2)]));
  const rd = rn.ready();
  assert.deepEqual(
    rd.entries.map((e) => e.index),
    [4],
  );
  rn.step(app(2, 4, 2, [entry(5, 2)]));
  assert.deepEqual(
    rd.entries.map((e) => e.index),
    [4],
  );
  persist(rn, storage, rd);
  assert.deepEqual(
    rn.ready().entries.map((e) => e.index),
    [5],
  );
});

test('read states added while a Ready is held come once, in the next Ready', () => {
  const storage = new MemoryStorage();
  const rn = new RawNode(config('1', storage));
  rn.bootstrap([{ id: '1', context: EMPTY_BYTES }]);
  persist(rn, storage, rn.ready());
  rn.campaign();
  while (rn.hasReady()) persist(rn, storage, rn.ready());
  assert.equal(rn.state, StateType.Leader);
  const rd = rn.ready();
  assert.equal(rd.readStates.length, 0);
  rn.readIndex(bytes('r'));
  assert.equal(rd.readStates.length, 0, 'the held Ready took a read state');
  persist(rn, storage, rd);
  const next = rn.ready();
  assert.equal(next.readStates.length, 1);
  persist(rn, storage, next);
  assert.equal(rn.ready().readStates.length, 0, 'a read state delivered twice');
});
