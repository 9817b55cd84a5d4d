// A node remembers that its value needs no JSON escaping (event.ts valueIsPlain), so that
// listings skip the check; every way a value changes must still be escaped afresh.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventJSON } from '../../src/store/json.js';
import { NO_TTL, Store } from '../../src/store/store.js';

const NOW = 1_700_000_000_000;

/** The listing of /d as the API writes it. */
function listing(s: Store): string {
  return eventJSON(s.get('/d', true, true, NOW));
}

test('a value listed as plain, then changed to one needing escapes, is escaped', () => {
  const s = new Store();
  s.set('/d/a', false, 'plain', NO_TTL, NOW);
  s.set('/d/b', false, 'plain', NO_TTL, NOW);
  s.set('/d/c', false, 'plain', NO_TTL, NOW);
  s.set('/d/e', false, 'plain', NO_TTL, NOW);
  assert.ok(!listing(s).includes('\\u003c'));
  // The same length each time: a stale verdict would be taken for the new value.
  s.set('/d/a', false, 'pla<n', NO_TTL, NOW);
  s.update('/d/b', 'pla&n', NO_TTL, NOW);
  s.compareAndSwap('/d/c', 'plain', 0, 'pla>n', NO_TTL, NOW);
  const text = listing(s);
  for (const esc of ['pla\\u003cn', 'pla\\u0026n', 'pla\\u003en'])
    assert.ok(text.includes(esc), esc);
  assert.equal(JSON.parse(text).node.nodes[3].value, 'plain');
  // And back: plain again, listed as it is.
  s.set('/d/a', false, 'again', NO_TTL, NOW);
  assert.ok(listing(s).includes('"value":"again"'));
});

test('a single GET and the prevNode of a write are escaped alike', () => {
  const s = new Store();
  s.set('/d/a', false, '"quoted"', NO_TTL, NOW);
  assert.equal(JSON.parse(eventJSON(s.get('/d/a', false, false, NOW))).node.value, '"quoted"');
  const e = eventJSON(s.set('/d/a', false, 'x<y', NO_TTL, NOW));
  assert.ok(e.includes('"value":"x\\u003cy"'));
  assert.ok(e.includes('"value":"\\"quoted\\""'));
});
