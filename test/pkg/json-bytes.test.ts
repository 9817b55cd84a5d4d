// The byte-level JSON cursor the store snapshot reader walks: it must take exactly what
// JSON.parse takes, value for value, and refuse what JSON.parse refuses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { JsonBytes, JsonSyntaxError } from '../../src/pkg/json-bytes.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');

test('skip() consumes exactly one value of any shape, as JSON.parse reads it', () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.constantFrom('', ' ', '\n\t '), (v, ws) => {
      const text = JSON.stringify(v, null, ws.length > 1 ? 1 : 0);
      const j = new JsonBytes(bytes(`${ws}${text}${ws},`));
      j.skip();
      assert.equal(j.peek(), 44);
      const k = new JsonBytes(bytes(text));
      assert.deepEqual(k.parseValue(), JSON.parse(text));
      k.finish();
    }),
    { seed: Number(process.env.PROPERTY_SEED ?? 20261204), numRuns: 300 },
  );
});

test('string() decodes as JSON.parse: ASCII, UTF-8, escapes, surrogate pairs', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (s) => {
      const j = new JsonBytes(bytes(JSON.stringify(s)));
      assert.equal(j.string(), s);
      j.finish();
    }),
    { seed: Number(process.env.PROPERTY_SEED ?? 20261204), numRuns: 500 },
  );
  for (const s of ['"\\u003chtml\\u003e \\u0026"', '"\\ud83d\\ude00"', '"é✓"', '""']) {
    assert.equal(new JsonBytes(bytes(s)).string(), JSON.parse(s));
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
    const j = new JsonBytes(bytes(`${text},`));
    assert.equal(j.uint(), want, text);
    assert.equal(j.peek(), 44, text);
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
  ]) {
    assert.throws(() => JSON.parse(bad), SyntaxError, bad);
    assert.throws(
      () => {
        const j = new JsonBytes(bytes(bad));
        j.skip();
        j.finish();
      },
      (e: unknown) => e instanceof JsonSyntaxError && /at byte offset \d+/.test(e.message),
      bad,
    );
  }
});
