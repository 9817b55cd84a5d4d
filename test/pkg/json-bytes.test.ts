// The byte-level JSON cursor the store snapshot reader walks: it must take exactly what
// JSON.parse takes, value for value, and refuse what JSON.parse refuses, whether it holds the
// whole document or pulls it in pieces (every test runs both ways: pieces of 1 to 5 bytes
// into buffers of 1 to 64 bytes, so every token is cut somewhere and buffers grow).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { JsonBytes, type JsonPull, JsonSyntaxError } from '../../src/pkg/json-bytes.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');

/** A source handing out `doc` at most `piece` bytes a time. */
function puller(doc: Uint8Array, piece: number): JsonPull {
  let at = 0;
  return (buf, to, max) => {
    const n = Math.min(max, piece, doc.length - at);
    buf.set(doc.subarray(at, at + n), to);
    at += n;
    return n;
  };
}

const WAYS: [string, (doc: Uint8Array) => JsonBytes][] = [
  ['whole', (d) => new JsonBytes(d)],
  ['pulled 1 B into 1 B', (d) => new JsonBytes(puller(d, 1), 1)],
  ['pulled 3 B into 8 B', (d) => new JsonBytes(puller(d, 3), 8)],
  ['pulled 5 B into 64 B', (d) => new JsonBytes(puller(d, 5), 64)],
  ['pulled at will', (d) => new JsonBytes(puller(d, 1 << 20))],
];

/** Runs `f` on a cursor over `text` made each way, naming the way on failure. */
function eachWay(text: string, f: (j: JsonBytes, way: string) => void): void {
  for (const [way, make] of WAYS) f(make(bytes(text)), way);
}

test('skip() consumes exactly one value of any shape, as JSON.parse reads it', () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.constantFrom('', ' ', '\n\t '), (v, ws) => {
      const text = JSON.stringify(v, null, ws.length > 1 ? 1 : 0);
      eachWay(`${ws}${text}${ws},`, (j, way) => {
        j.skip();
        assert.equal(j.peek(), 44, way);
      });
      eachWay(text, (k, way) => {
        assert.deepEqual(k.parseValue(), JSON.parse(text), way);
        k.finish();
      });
    }),
    { seed: Number(process.env.PROPERTY_SEED ?? 20261204), numRuns: 300 },
  );
});

test('string() decodes as JSON.parse: ASCII, UTF-8, escapes, surrogate pairs', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (s) => {
      eachWay(JSON.stringify(s), (j, way) => {
        assert.equal(j.string(), s, way);
        j.finish();
      });
    }),
    { seed: Number(process.env.PROPERTY_SEED ?? 20261204), numRuns: 500 },
  );
  for (const s of ['"\\u003chtml\\u003e \\u0026"', '"\\ud83d\\ude00"', '"é✓"', '""']) {
    eachWay(s, (j, way) => assert.equal(j.string(), JSON.parse(s), way));
  }
});

test('uint() takes plain digits only; other numbers are -1 and still consumed', () => {
  const cases: [string, number][] = [
    ['0', 0],
    ['42', 42],
    ['9007199254740991', 9007199254740991],
    ['9007199254740993', -1],
    ['-1', -1],
    ['1.5', -1],
    ['1e3', -1],
  ];
  for (const [text, want] of cases) {
    eachWay(`${text},`, (j, way) => {
      assert.equal(j.uint(), want, `${text} ${way}`);
      assert.equal(j.peek(), 44, `${text} ${way}`);
    });
  }
});

test('what JSON.parse refuses is refused, with the byte offset', () => {
  for (const bad of [
    '{',
    '{"a" 1}',
    '{"a":1,}',
    '[1 2]',
    '"abc',
    '"a\u0001b"',
    '01',
    '1.',
    '-',
    'nul',
    'tru',
    '{"a":1}}',
    '"\\q"',
    '"\\u12"',
    '1e',
    '[1.5e+]',
    'true false',
  ]) {
    assert.throws(() => JSON.parse(bad), SyntaxError, bad);
    const offsets = new Set<string>();
    for (const [way, make] of WAYS) {
      assert.throws(
        () => {
          const j = make(bytes(bad));
          j.skip();
          j.finish();
        },
        (e: unknown) => {
          const m = e instanceof JsonSyntaxError ? /at byte offset (\d+)/.exec(e.message) : null;
          if (m !== null) offsets.add(m[1]!);
          return m !== null;
        },
        `${bad} ${way}`,
      );
    }
    // The offset is the document's, however much of it was let go of.
    assert.equal(offsets.size, 1, `${bad}: offsets ${[...offsets].join(', ')}`);
  }
});

test('pulled: a string scanned stays readable over the pulls the next peek makes', () => {
  const doc = `{${'"key":"value",'.repeat(50)}"Path":"/k"}`;
  eachWay(doc, (j, way) => {
    let seen = 0;
    if (j.enter(123, 125))
      do {
        j.scanString();
        j.expect(58);
        const isPath = j.textIs(Buffer.from('Path'));
        const key = j.text();
        assert.equal(key, isPath ? 'Path' : 'key', way);
        assert.equal(j.string(), isPath ? '/k' : 'value', way);
        seen++;
      } while (j.more(125));
    j.finish();
    assert.equal(seen, 51, way);
  });
});
