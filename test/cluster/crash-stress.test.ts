// A short crash stress (npm run test:crash runs the long one): fresh 3-member clusters of
// bin/etcd killed at seeded random moments (at the start, or under writes), every WAL
// readable as a restart reads it. The seed is printed; CRASH_SEED replays it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crashRounds } from './crash-rounds.js';

test('killed at random moments, every member WAL reads back', {
  timeout: 60_000,
}, async (t) => {
  const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1e9);
  t.diagnostic(`seed ${seed} (replay with CRASH_SEED=${seed})`);
  const lines: string[] = [];
  const r = await crashRounds(2, seed, (l) => lines.push(l));
  for (const l of lines) t.diagnostic(l);
  assert.equal(r.failure, null, `seed ${seed}: ${r.failure}\n${lines.join('\n')}`);
  assert.equal(r.clean, 2);
});
