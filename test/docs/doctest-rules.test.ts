// The rules the doc test applies (docs/README.md): which blocks run, which output belongs
// to which example, what is normalised, and that a real difference still fails.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePage } from './markdown.js';
import { mapPorts, matches } from './normalise.js';

const fence = '```';

test('sh and ts blocks run, norun ones do not, and a text block right after is the output', () => {
  const page = parsePage(
    [
      `${fence}sh`,
      'curl x',
      fence,
      '',
      `${fence}text`,
      'out',
      fence,
      `${fence}sh norun`,
      'npm start',
      fence,
      `${fence}ts`,
      'console.log(1)',
      fence,
      'prose in between',
      `${fence}text`,
      'not an output',
      fence,
      '<!-- doctest: stop -->',
    ].join('\n'),
    'page.md',
  );
  assert.equal(page.setup, 'member');
  assert.equal(page.notRun, 1);
  const [sh, ts, stop] = page.steps;
  assert.ok(sh && 'lang' in sh && sh.lang === 'sh' && sh.expected === 'out\n');
  assert.ok(ts && 'lang' in ts && ts.lang === 'ts' && ts.expected === null);
  assert.deepEqual(stop, { directive: 'stop', line: 18 });
});

test('ambiguous languages and unknown flags are refused', () => {
  assert.throws(() => parsePage(`${fence}bash\nls\n${fence}\n`, 'p.md'), /use `sh`/);
  assert.throws(() => parsePage(`${fence}sh later\nls\n${fence}\n`, 'p.md'), /unknown flag/);
  assert.throws(() => parsePage(`${fence}sh\nls\n`, 'p.md'), /unclosed/);
});

test('indexes, IDs and times are normalised; values and codes are not', () => {
  const shown =
    '{"action":"set","node":{"key":"/q/3","value":"a","expiration":"2015-02-06T11:02:00.000Z","ttl":5,"modifiedIndex":3,"createdIndex":3}}';
  const actual =
    '{"action":"set","node":{"key":"/q/00000000000000000001","value":"a","expiration":"2026-12-03T09:00:00.123456789Z","ttl":4,"modifiedIndex":1,"createdIndex":1}}\n';
  assert.ok(matches(shown, actual));
  assert.ok(!matches(shown, actual.replace('"a"', '"b"')));
  assert.ok(
    !matches('Error:  100: Key not found (/x) [4]', 'Error:  105: Key already exists (/x) [9]'),
  );
  assert.ok(matches('ce2a822cea30bfca: name=default', '975f856df302d30: name=default'));
});

test('... matches any text, across lines', () => {
  assert.ok(
    matches(
      'HTTP/1.1 200 OK\n...\n{"health":"true"}',
      'HTTP/1.1 200 OK\nA: 1\nB: 2\n\n{"health":"true"}',
    ),
  );
  assert.ok(!matches('HTTP/1.1 200 OK\n...', 'HTTP/1.1 404 Not Found\n'));
});

test('ports map to reserved ones and back', () => {
  const map = new Map([[2379, 21001]]);
  const there = mapPorts('curl http://127.0.0.1:2379/v2 http://localhost:2379 :2379', map, false);
  assert.equal(there, 'curl http://127.0.0.1:21001/v2 http://localhost:21001 :2379');
  assert.equal(
    mapPorts(there, map, true),
    'curl http://127.0.0.1:2379/v2 http://localhost:2379 :2379',
  );
});
