import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goEtcdSkip } from '../helpers/go-etcd.js';
import { differential } from './differential.js';
import { startShim } from './shim.js';

test('keys API answers as Go etcd 2.0.13 (differential, store behind a shim)', {
  skip: goEtcdSkip('etcd'),
}, async (t) => {
  const r = await differential(async () => startShim());
  for (const d of r.differences) {
    console.log(
      `--- ${d.script} step ${d.step}\nours: ${JSON.stringify(d.ours)}\nref:  ${JSON.stringify(d.ref)}`,
    );
  }
  t.diagnostic(
    `${r.scripts} scripts, ${r.steps} steps: ${r.differences.length} differences, ${r.deliberate.length} deliberate`,
  );
  assert.ok(r.scripts >= 250, `${r.scripts} scripts`);
  assert.equal(r.differences.length, 0, `${r.differences.length} differences in ${r.steps} steps`);
});
