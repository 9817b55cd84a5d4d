// The store helper's keys-API differential suite (test/api-keys/), pointed at a real
// bin/etcd member instead of the in-process shim: same scripts, same comparison.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { differential } from '../api-keys/differential.js';
import { referenceSkip } from '../helpers/reference.js';
import { spawnEtcd } from '../server/run-member.js';

test('keys API of a real member answers as the reference etcd (differential)', {
  skip: referenceSkip(),
}, async () => {
  const r = await differential(async () => {
    const etcd = await spawnEtcd({ name: 'diff' });
    return { url: etcd.url, close: () => etcd.destroy() };
  });
  for (const d of r.differences) {
    console.log(
      `--- ${d.script} step ${d.step}\nours: ${JSON.stringify(d.ours)}\nref:  ${JSON.stringify(d.ref)}`,
    );
  }
  assert.ok(r.scripts >= 250, `${r.scripts} scripts`);
  assert.equal(r.differences.length, 0, `${r.differences.length} differences in ${r.steps} steps`);
});
