// One JSON serialisation per event, shared by every watcher that receives it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventJSON, eventJSONOnce } from '../../src/store/json.js';
import { Store } from '../../src/store/store.js';

test('watchers of one event share its JSON, written once', async () => {
  const s = new Store();
  const a = s.watch('/k', false, false, 0);
  const b = s.watch('/', true, false, 0);
  s.set('/k', false, 'v', { expireTime: 0, refresh: false }, 1000);
  const [ea, eb] = await Promise.all([a.next(), b.next()]);
  assert.ok(ea !== null && eb !== null);
  assert.equal(ea, eb, 'the hub hands the same event to both watchers');
  assert.equal(ea.json, null);
  const j = eventJSONOnce(ea);
  assert.equal(j, eventJSON(ea));
  assert.equal(ea.json, j);
  assert.equal(eventJSONOnce(eb), j);
  // A copy for a watch from history (another X-Etcd-Index) keeps the serialisation.
  assert.equal(ea.withIndex(99).json, j);
});
