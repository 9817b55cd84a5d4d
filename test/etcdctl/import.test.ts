// etcdctl import --snap: a store snapshot's keys (and a --hidden key space) are set on a
// running member; a short TTL is extended to 300 s; a missing or unreadable file says so.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { NO_TTL, Store } from '../../src/store/store.js';
import { tempDir } from '../helpers/process.js';
import { spawnEtcd } from '../server/run-member.js';
import { ours } from './run.js';

test('import sets every key of a snapshot, hidden spaces on request', async (t) => {
  const dir = tempDir('etcdctl-import');
  t.after(() => dir.remove());
  const now = Date.now();
  const s = new Store();
  s.set('/a', false, '1', NO_TTL, now);
  s.set('/d/b', false, '2', NO_TTL, now);
  s.set('/t', false, '3', { expireTime: now + 10_000, refresh: false }, now);
  s.set('/_hid/x', false, '4', NO_TTL, now);
  const snap = join(dir.path, 'snap.json');
  writeFileSync(snap, Buffer.from(s.save()));

  const m = await spawnEtcd({ name: 'imp' });
  t.after(() => m.destroy());
  const r = await ours([
    '--peers',
    m.url,
    'import',
    '--snap',
    snap,
    '--hidden',
    '/_hid',
    '-c',
    '2',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `starting to import snapshot ${snap} with 2 clients\nfinished importing 4 keys\n`,
  );
  assert.match(r.stderr, /extending key \/t's ttl to 300 seconds/);
  for (const [k, v] of [
    ['/a', '1'],
    ['/d/b', '2'],
    ['/t', '3'],
    ['/_hid/x', '4'],
  ]) {
    const body = (await (await fetch(`${m.url}/v2/keys${k}`)).json()) as {
      node: { value: string; ttl?: number };
    };
    assert.equal(body.node.value, v, k);
    if (k === '/t') assert.ok(body.node.ttl! > 290, `ttl ${body.node.ttl}`);
  }

  const missing = await ours(['--peers', m.url, 'import', '--snap', join(dir.path, 'nope')]);
  assert.deepEqual(
    [missing.code, missing.stdout],
    [1, `cannot read snapshot file ${join(dir.path, 'nope')}\n`],
  );
  const none = await ours(['--peers', m.url, 'import']);
  assert.deepEqual([none.code, none.stdout], [1, 'no snapshot file provided (use --snap)\n']);
});
