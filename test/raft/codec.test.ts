import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeMessage, encodeMessage } from '../../src/raft/codec.js';
import { EntryType, MessageType, newMessage } from '../../src/raft/types.js';

test('a message with entries and a snapshot survives encode/decode', () => {
  const m = newMessage(MessageType.App, 'a1b2c3d4e5f60708', '1', 7);
  m.logTerm = 6;
  m.index = 2 ** 40;
  m.commit = 99;
  m.reject = true;
  m.rejectHint = 12;
  m.context = new Uint8Array([9, 8]);
  m.entries = [
    { term: 7, index: 2 ** 40 + 1, type: EntryType.Normal, data: new Uint8Array([1, 2, 3]) },
  ];
  m.snapshot = {
    data: new Uint8Array([4]),
    metadata: { term: 3, index: 5, confState: { voters: ['1', 'ffffffffffffffff'], learners: [] } },
  };
  const back = decodeMessage(encodeMessage(m));
  assert.deepEqual(
    {
      ...back,
      context: [...back.context],
      entries: back.entries.map((e) => ({ ...e, data: [...e.data] })),
    },
    {
      ...m,
      context: [9, 8],
      entries: [{ ...m.entries[0]!, data: [1, 2, 3] }],
      snapshot: back.snapshot,
    },
  );
  assert.deepEqual([...back.snapshot!.data], [4]);
  assert.deepEqual(back.snapshot!.metadata.confState.voters, ['1', 'ffffffffffffffff']);
});
