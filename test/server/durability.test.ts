// Durability of a real bin/etcd: restart keeps data (from WAL and from snapshots),
// kill -9 under write load loses no acknowledged write, SIGTERM stops gracefully.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { Prng } from '../../src/pkg/prng.js';
import { Snapshotter } from '../../src/snap/snapshotter.js';
import { waitFor } from '../helpers/process.js';
import { http, type RunningEtcd, spawnEtcd } from './run-member.js';

/** Writes keys on `writers` connections until stopped; returns the acknowledged ones. */
function writeLoad(url: string, prefix: string, writers: number) {
  const acked = new Map<string, string>();
  let stopped = false;
  const loops: Promise<void>[] = [];
  for (let w = 0; w < writers; w++) {
    loops.push(
      (async () => {
        for (let n = 0; !stopped; n++) {
          const key = `${prefix}-${w}-${n}`;
          const value = `v${n}`;
          try {
            const r = await http('PUT', `${url}/v2/keys/load/${key}`, `value=${value}`);
            if (r.status === 201 || r.status === 200) acked.set(key, value);
          } catch {
            return; // the member went away
          }
        }
      })(),
    );
  }
  return {
    acked,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

async function allKeys(url: string): Promise<Map<string, string>> {
  const r = await http('GET', `${url}/v2/keys/load?recursive=true`);
  const out = new Map<string, string>();
  if (r.status === 404) return out;
  assert.equal(r.status, 200, r.body);
  for (const n of JSON.parse(r.body).node.nodes ?? [])
    out.set(n.key.slice('/load/'.length), n.value);
  return out;
}

function assertAllPresent(acked: Map<string, string>, found: Map<string, string>, what: string) {
  let missing = 0;
  for (const [k, v] of acked) if (found.get(k) !== v) missing++;
  assert.equal(missing, 0, `${what}: ${missing} of ${acked.size} acknowledged writes lost`);
}

test('restart keeps data, from the WAL and from snapshots; old files are purged', async () => {
  let etcd: RunningEtcd = await spawnEtcd({
    extra: ['--snapshot-count', '25', '--max-snapshots', '2', '--max-wals', '2'],
  });
  try {
    const load = writeLoad(etcd.url, 'a', 4);
    await waitFor(() => load.acked.size >= 300, '300 acknowledged writes', 60_000);
    await load.stop();
    const idx = Number((await http('GET', `${etcd.url}/v2/keys/`)).headers['x-etcd-index']);
    assert.equal(await etcd.stop('SIGTERM'), 0);
    const snaps = readdirSync(join(etcd.dataDir, 'member', 'snap')).filter((f) =>
      f.endsWith('.snap'),
    );
    assert.ok(snaps.length >= 1 && snaps.length <= 2, `snapshots kept: ${snaps.join(' ')}`);
    assert.ok(!existsSync(join(etcd.dataDir, '.lock')), 'the lock is released');

    etcd = await etcd.restart();
    assertAllPresent(load.acked, await allKeys(etcd.url), 'after SIGTERM and restart');
    const after = Number((await http('GET', `${etcd.url}/v2/keys/`)).headers['x-etcd-index']);
    assert.equal(after, idx, 'the store index survives a restart');
    // And it keeps taking writes after recovering from a snapshot.
    assert.equal((await http('PUT', `${etcd.url}/v2/keys/load/later`, 'value=1')).status, 201);
  } finally {
    await etcd.destroy();
  }
});

test('a snapshot file without its WAL marker (crash between the two) is skipped on restart', async () => {
  let etcd: RunningEtcd = await spawnEtcd({ extra: ['--snapshot-count', '25'] });
  try {
    const load = writeLoad(etcd.url, 'c', 4);
    await waitFor(() => load.acked.size >= 100, '100 acknowledged writes', 60_000);
    await load.stop();
    assert.equal(await etcd.stop('SIGTERM'), 0);
    // The crash: a newer snapshot file reached the disk, its WAL marker did not.
    const snapDir = join(etcd.dataDir, 'member', 'snap');
    const snapshotter = new Snapshotter(snapDir);
    const newest = await snapshotter.load();
    assert.ok(newest !== null, 'the member took a snapshot');
    const md = newest.metadata;
    await snapshotter.save({ data: newest.data, metadata: { ...md, index: md.index + 1000 } });

    etcd = await etcd.restart();
    assertAllPresent(load.acked, await allKeys(etcd.url), 'after the torn snapshot');
    assert.equal((await http('PUT', `${etcd.url}/v2/keys/load/later`, 'value=1')).status, 201);
  } finally {
    await etcd.destroy();
  }
});

test('kill -9 under write load loses no acknowledged write (10 rounds)', async () => {
  let etcd: RunningEtcd = await spawnEtcd({ extra: ['--snapshot-count', '200'] });
  const acked = new Map<string, string>();
  // When to kill is random, from a printed seed.
  const seed = Date.now() % 1_000_000;
  const rng = new Prng(seed);
  try {
    for (let round = 0; round < 10; round++) {
      const load = writeLoad(etcd.url, `r${round}`, 8);
      const until = 50 + rng.int(250);
      const t0 = Date.now();
      await waitFor(
        () => Date.now() - t0 >= until && load.acked.size > 0,
        `round ${round} (seed ${seed}): writes acknowledged`,
        60_000,
      );
      await etcd.stop('SIGKILL');
      await load.stop();
      for (const [k, v] of load.acked) acked.set(k, v);
      etcd = await etcd.restart();
      assertAllPresent(acked, await allKeys(etcd.url), `round ${round} (seed ${seed})`);
    }
    assert.ok(acked.size > 100, `${acked.size} writes acknowledged in all`);
  } finally {
    await etcd.destroy();
  }
});

test('SIGTERM: writes in flight finish, exit 0, and a restart finds them', async () => {
  let etcd: RunningEtcd = await spawnEtcd();
  try {
    const load = writeLoad(etcd.url, 't', 8);
    await waitFor(() => load.acked.size >= 50, '50 acknowledged writes', 60_000);
    const code = await etcd.stop('SIGTERM');
    await load.stop();
    assert.equal(code, 0, etcd.proc.output());
    etcd = await etcd.restart();
    assertAllPresent(load.acked, await allKeys(etcd.url), 'after SIGTERM');
  } finally {
    await etcd.destroy();
  }
});

test('a watcher is told nothing wrong on restart: a new watch from the old index works', async () => {
  let etcd: RunningEtcd = await spawnEtcd();
  try {
    const put = await http('PUT', `${etcd.url}/v2/keys/w`, 'value=1');
    const index = JSON.parse(put.body).node.modifiedIndex as number;
    await etcd.stop('SIGTERM');
    etcd = await etcd.restart();
    const ev = await new Promise<string>((resolve, reject) => {
      const req = request(
        `${etcd.url}/v2/keys/w?wait=true&waitIndex=${index}`,
        { agent: false },
        (res) => {
          let b = '';
          res.on('data', (c: Buffer) => {
            b += c.toString();
          });
          res.on('end', () => resolve(b));
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(JSON.parse(ev).node.value, '1');
  } finally {
    await etcd.destroy();
  }
});
