// What the event history keeps alive: its last 1,000 events, and of each event nothing the
// store does not hold anyway but the values it reports.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NO_TTL, Store } from '../../src/store/store.js';
import { heapGrowth } from '../helpers/heap.js';

const NOW = 1_700_000_000_000;

test("the history names a changed key by the store's own key string, not the request's path", () => {
  // A long key (under the size at which node makes a string external, off the measured
  // heap), given by every request as a string of its own, as a parsed URL would be.
  const key = `/${'k'.repeat(16_000)}`;
  const fresh = () => Buffer.from(key).toString('latin1');
  const s = new Store();
  s.set(fresh(), false, '0', NO_TTL, NOW);
  const grown = heapGrowth(() => {
    for (let i = 1; i <= 900; i++) {
      const v = String(i);
      if (i % 3 === 0) s.set(fresh(), false, v, NO_TTL, NOW);
      else if (i % 3 === 1) s.update(fresh(), v, NO_TTL, NOW);
      else s.compareAndSwap(fresh(), String(i - 1), 0, v, NO_TTL, NOW);
    }
  });
  assert.equal(s.get(key, false, false, NOW).node.value, '900');
  // 900 events in the history: their paths alone would be 900 × 16 KB = 14 MiB.
  assert.ok(grown < 4 << 20, `heap grew ${(grown / (1 << 20)).toFixed(1)} MiB for 900 events`);
});
