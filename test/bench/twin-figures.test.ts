import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Impl } from '../../bench/impls.js';
import { spread, TwinFigures } from '../../bench/twin-figures.js';

const impl = (label: string): Impl => ({
  key: 'go',
  label,
  cmd: '',
  pre: [],
  post: [],
  env: {},
});

test('twin figures: each round gives first / second, and the spread is the farthest from 1', () => {
  const f = new TwinFigures();
  const go = impl('2.0.13');
  f.keep(go, 'p99', 0, 0, 2);
  f.keep(go, 'p99', 1, 0, 1);
  f.keep(go, 'p99', 1, 1, 4); // the second member ran first in round 1
  f.keep(go, 'p99', 0, 1, 1);
  f.keep(impl('ours'), 'p50', 0, 0, 1);
  assert.deepEqual(f.figures, ['p99', 'p50']);
  assert.deepEqual(f.ratios(go, 'p99'), [2, 0.25]);
  assert.equal(spread(f.ratios(go, 'p99')), 4);
  // A round with a side missing (errors) gives no ratio; no rounds, no spread.
  assert.ok(Number.isNaN(f.ratios(impl('ours'), 'p50')[0]));
  assert.ok(Number.isNaN(spread(f.ratios(impl('ours'), 'p50'))));
  assert.equal(spread([0.8, 1.1]), 1.25);
});
