// Ours -> Go: a member dir rewritten entirely by our WAL and Snapshotter (from the entries,
// hard state, metadata and snapshot of the dir Go etcd 2.0.13 wrote in
// test/fixtures/go-2.0.13/datadir) is started by Go etcd 2.0.13, which answers the same
// keys, indexes and members it answered before it stopped.
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { Snapshotter } from '../../src/snap/snapshotter.js';
import { WAL } from '../../src/wal/wal.js';
import { fixturePath } from '../helpers/fixtures.js';
import { GO_ETCD, goEtcdSkip } from '../helpers/go-etcd.js';
import { releasePorts, reservePorts } from '../helpers/ports.js';
import { start, waitFor } from '../helpers/process.js';
import { tempDir } from './helpers.js';

const FIXTURE = fixturePath('go-2.0.13', 'datadir');

/** A GET answer without what moves with the clock (TTLs, expirations). */
function timeless(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(timeless);
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k !== 'ttl' && k !== 'expiration') o[k] = timeless(x);
    }
    return o;
  }
  return v;
}

test('Go etcd 2.0.13 starts from a member dir our WAL and Snapshotter wrote', {
  skip: goEtcdSkip('etcd'),
}, async () => {
  const t = tempDir();
  const ports = await reservePorts(2);
  try {
    const go = join(t.dir, 'go', 'member');
    cpSync(join(FIXTURE, 'member'), go, { recursive: true });
    const s = (await new Snapshotter(join(go, 'snap')).load())!;
    const r = await WAL.open(join(go, 'wal'), { index: 0, term: 0 });
    const c = await r.readAll();
    await r.close();
    const at = { index: s.metadata.index, term: s.metadata.term };
    const ours = join(t.dir, 'ours', 'member');
    await new Snapshotter(join(ours, 'snap')).save(s);
    const w = await WAL.create(join(ours, 'wal'), c.metadata);
    const before = c.entries.filter((e) => e.index <= at.index);
    const after = c.entries.filter((e) => e.index > at.index);
    await w.save({ ...c.hardState, commit: at.index }, before);
    await w.saveSnapshot(at);
    await w.save(c.hardState, after);
    await w.close();

    const [client, peer] = ports as [number, number];
    const C = `http://127.0.0.1:${client}`;
    const etcd = start(GO_ETCD.etcd, [
      '--name=n1',
      `--data-dir=${join(t.dir, 'ours')}`,
      `--listen-client-urls=${C}`,
      `--advertise-client-urls=${C}`,
      `--listen-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-cluster=n1=http://127.0.0.1:${peer}`,
    ]);
    try {
      await waitFor(async () => (await fetch(`${C}/v2/keys/a`)).ok, 'Go etcd up', 30_000);
      const expected = JSON.parse(readFileSync(join(FIXTURE, 'answers.json'), 'utf8')) as {
        keys: unknown;
        members: { members: { id: string; name: string }[] };
      };
      const keys = await (await fetch(`${C}/v2/keys/?recursive=true&sorted=true`)).json();
      assert.deepEqual(timeless(keys), timeless(expected.keys));
      const members = (await (await fetch(`${C}/v2/members`)).json()) as typeof expected.members;
      assert.deepEqual(
        members.members.map((m) => m.id),
        expected.members.members.map((m) => m.id),
      );
      const put = await fetch(`${C}/v2/keys/written-by-go`, {
        method: 'PUT',
        body: 'value=1',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(put.status, 201, etcd.output());
    } finally {
      const code = await etcd.stop('SIGTERM');
      assert.ok(!etcd.output().includes('panic'), etcd.output());
      void code;
    }
  } finally {
    releasePorts(ports);
    t.cleanup();
  }
});
