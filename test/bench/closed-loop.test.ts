import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseClosedLoop } from '../../bench/closed-loop.js';

test("the closed loop's line gives throughput, percentiles, the mean and how busy a connection was", () => {
  const r = parseClosedLoop(
    'requests=200000 errors=0 seconds=5.000000 sum_us=4990000 mean_us=1597.0 p50_us=1500.0 p99_us=2800.5 p999_us=6000.0\n',
  );
  assert.equal(r.perSecond, 40_000);
  assert.equal(r.p50, 1.5);
  assert.equal(r.p99, 2.8005);
  assert.equal(r.mean, 1.597);
  assert.equal(r.busy, 0.998);
  assert.throws(() => parseClosedLoop('requests=1'), /no seconds/);
});
