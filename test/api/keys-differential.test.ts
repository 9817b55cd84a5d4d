// The store helper's keys-API differential suite (test/api-keys/), pointed at a real
// bin/etcd member instead of the in-process shim: same scripts, same comparison, against
// Go etcd 2.0.13 (every index, from a fresh start).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { differential } from '../api-keys/differential.js';
import { goEtcdSkip } from '../helpers/go-etcd.js';
import { published } from '../helpers/reference.js';
import { waitFor } from '../helpers/process.js';
import { spawnEtcd } from '../server/run-member.js';

test('keys API of a real member answers as Go etcd 2.0.13 from a fresh start (differential)', {
  skip: goEtcdSkip('etcd'),
}, async (t) => {
  const r = await differential(async () => {
    const etcd = await spawnEtcd({ name: 'diff' });
    await waitFor(() => published(etcd.url), 'the member to publish itself');
    // spawnEtcd's readiness probe was one quorum GET.
    return { url: etcd.url, close: () => etcd.destroy(), startupReads: 1 };
  });
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
