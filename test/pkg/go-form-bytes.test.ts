import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type Form, parseFormBytesInto, parseQueryInto } from '../../src/pkg/go-query.js';
import { heapGrowth } from '../helpers/heap.js';

/** The form, or the error's message: what a request would be answered with. */
function outcome(parse: (f: Form) => void): [string, string[]][] | string {
  const f: Form = new Map();
  try {
    parse(f);
  } catch (e) {
    return (e as Error).message;
  }
  return [...f];
}

test('parseFormBytesInto: the same form and the same first error as parseQueryInto on the latin1 string', () => {
  // An alphabet dense in separators, escapes and bytes >= 0x80, so that every branch runs.
  const byte = fc.constantFrom(
    0x26,
    0x3d,
    0x3b,
    0x25,
    0x2b,
    0x61,
    0x62,
    0x32,
    0x46,
    0x7a,
    0xc3,
    0xa9,
    0xff,
  );
  fc.assert(
    fc.property(fc.array(byte, { maxLength: 40 }), (bytes) => {
      const body = Buffer.from(bytes);
      assert.deepEqual(
        outcome((f) => parseFormBytesInto(f, body)),
        outcome((f) => parseQueryInto(f, body.toString('latin1'))),
      );
    }),
    { numRuns: 3000 },
  );
  assert.deepEqual(
    outcome((f) => parseFormBytesInto(f, Buffer.from('a=1&a=2&b=x+y%2Bz&c&&d=&='))),
    [
      ['a', ['1', '2']],
      ['b', ['x y+z']],
      ['c', ['']],
      ['d', ['']],
      ['', ['']],
    ],
  );
  assert.equal(
    outcome((f) => parseFormBytesInto(f, Buffer.from('a=%zz&b=1;c=2'))),
    'invalid URL escape "%zz"',
  );
});

test('parseFormBytesInto: a value kept does not keep the rest of the body alive', () => {
  // A value cut from the body's string would be V8's slice of it, holding the whole body
  // (here half a megabyte beside a 20-byte value: under the size at which node makes a
  // body's string external, off the heap that is measured) for as long as the value is kept.
  const junk = 'j'.repeat(1 << 19);
  const kept: string[] = [];
  const grown = heapGrowth(() => {
    for (let i = 0; i < 50; i++) {
      const f: Form = new Map();
      parseFormBytesInto(f, Buffer.from(`value=${String(i).padStart(20, '0')}&prevValue=${junk}`));
      kept.push(f.get('value')![0]!);
    }
  });
  assert.equal(kept[7], '00000000000000000007');
  assert.ok(
    grown < 10 << 20,
    `heap grew ${(grown / (1 << 20)).toFixed(1)} MiB for 50 short values`,
  );
});
