// writeEventLine (a long answer written in pieces) must make the very text eventJSON makes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { NodeExtern, StoreEvent } from '../../src/store/event.js';
import { eventJSON, nodeJSON, writeEventLine, writeNodeJSON } from '../../src/store/json.js';

const text = fc.constantFrom('', 'v', 'a<b&c>', 'é✓😀', '"q"\\', '\u2028\ufffd', 'x'.repeat(40));
const index = fc.constantFrom(0, 1, 7, 123456);

/** Any tree of views, with every optional field on or off. */
const tree: fc.Memo<NodeExtern> = fc.memo((depth) =>
  fc
    .record({
      key: fc.constantFrom('', '/1', '/1/a', '/1/d/é', '/1/<k>'),
      value: fc.option(text, { nil: null }),
      dir: fc.boolean(),
      expiration: fc.constantFrom(0, 1_796_000_000_123),
      expirationNs: fc.constantFrom(0, 456_789),
      ttl: fc.constantFrom(0, 5),
      nodes:
        depth <= 1 ? fc.constant(null) : fc.option(fc.array(tree(depth - 1), { maxLength: 4 })),
      modifiedIndex: index,
      createdIndex: index,
    })
    .map(({ key, modifiedIndex, createdIndex, ...fields }) =>
      Object.assign(new NodeExtern(key, modifiedIndex, createdIndex), fields),
    ),
);

function pieces(write: (sink: { put(s: string): void }) => void): string[] {
  const out: string[] = [];
  write({ put: (s) => out.push(s) });
  return out;
}

test('a node written in pieces is nodeJSON, whatever its fields and children', () => {
  fc.assert(
    fc.property(tree(3), fc.constantFrom('', '/1'), (n, trim) => {
      assert.equal(pieces((s) => writeNodeJSON(s, n, trim)).join(''), nodeJSON(n, trim));
    }),
    { numRuns: 500 },
  );
});

test('an event written in pieces is eventJSON and a newline; a leaf is one piece', () => {
  fc.assert(
    fc.property(tree(3), fc.option(tree(1), { nil: null }), (node, prev) => {
      const e = new StoreEvent('get', '', 0, 0);
      e.node = node;
      e.prevNode = prev;
      assert.equal(pieces((s) => writeEventLine(s, e, '/1')).join(''), `${eventJSON(e, '/1')}\n`);
    }),
    { numRuns: 500 },
  );
  const dir = new NodeExtern('/1/d', 3, 3);
  dir.dir = true;
  dir.nodes = [new NodeExtern('/1/d/a', 4, 4), new NodeExtern('/1/d/b', 5, 5)];
  assert.deepEqual(
    pieces((s) => writeNodeJSON(s, dir, '/1')),
    [
      '{"key":"/d","dir":true,"nodes":[',
      '{"key":"/d/a","modifiedIndex":4,"createdIndex":4}',
      ',{"key":"/d/b","modifiedIndex":5,"createdIndex":5}',
      '],"modifiedIndex":3,"createdIndex":3}',
    ],
  );
});
