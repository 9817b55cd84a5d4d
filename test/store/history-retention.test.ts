// What the event history keeps alive: its last 1,000 events, and of each event nothing the
// store does not hold anyway but the values it reports.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { NO_TTL, Store } from '../../src/store/store.js';

const NOW = 1_700_000_000_000;

test("the history names a changed key by the store's own key string, not the request's path", () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  // A long key (under the size at which node makes a string external, off the measured
  // heap), given by every request as a string of its own, as a parsed URL would be.
  const key = `/${'k'.repeat(16_000)}`;
  const fresh = () => Buffer.from(key).toString('latin1');
  const s = new Store();
  s.set(fresh(), false, '0', NO_TTL, NOW);
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 1; i <= 900; i++) {
    const v = String(i);
    if (i % 3 === 0) s.set(fresh(), false, v, NO_TTL, NOW);
    else if (i % 3 === 1) s.update(fresh(), v, NO_TTL, NOW);
    else s.compareAndSwap(fresh(), String(i - 1), 0, v, NO_TTL, NOW);
  }
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  assert.equal(s.get(key, false, false, NOW).node.value, '900');
  // 900 events in the history: their paths alone would be 900 × 16 KB = 14 MiB.
  assert.ok(grown < 4 << 20, `heap grew ${(grown / (1 << 20)).toFixed(1)} MiB for 900 events`);
});
