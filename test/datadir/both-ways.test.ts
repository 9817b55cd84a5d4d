// A data dir written by Go etcd 2.0.13 is served by ours, one written by ours is served by
// Go, and a Go → ours → Go round trip keeps everything: same keys and indexes, same TTL
// expirations, same members and cluster ID, and writes accepted after the switch. Each
// member runs with a small --snapshot-count so the dir holds a snapshot and a WAL tail.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { GO_ETCD, goEtcdSkip } from '../helpers/go-etcd.js';
import { reservePorts } from '../helpers/ports.js';
import { type Started, start, tempDir, waitFor } from '../helpers/process.js';

const OURS = fileURLToPath(new URL('../../../bin/etcd', import.meta.url));
const skip = goEtcdSkip('etcd', 'dumpLogs');

type Kind = 'go' | 'ours';

interface Urls {
  client: string;
  peer: string;
}

interface View {
  index: number;
  tree: unknown;
  members: string;
  clusterId: string;
}

const running = new Set<Started>();
const dirs: { remove(): void }[] = [];
after(async () => {
  for (const p of running) await p.stop('SIGKILL');
  for (const d of dirs) d.remove();
});

async function newUrls(): Promise<Urls> {
  const [c, p] = await reservePorts(2);
  return { client: `http://127.0.0.1:${c}`, peer: `http://127.0.0.1:${p}` };
}

function newDir(): string {
  const d = tempDir('etcd-datadir');
  dirs.push(d);
  return d.path;
}

interface Second {
  name: string;
  urls: Urls;
}

/**
 * Starts a member and waits until it has a leader and has applied `minIndex` or later.
 * With `second`, it is that member joining the cluster of m1 at `u` (already added).
 */
async function startMember(
  kind: Kind,
  dir: string,
  u: Urls,
  minIndex = 0,
  second?: Second,
): Promise<Started> {
  const me = second?.urls ?? u;
  const flags = [
    '--name',
    second?.name ?? 'm1',
    '--data-dir',
    dir,
    '--snapshot-count',
    '10',
    '--listen-client-urls',
    me.client,
    '--advertise-client-urls',
    me.client,
    '--listen-peer-urls',
    me.peer,
    '--initial-advertise-peer-urls',
    me.peer,
    '--initial-cluster',
    second ? `m1=${u.peer},${second.name}=${me.peer}` : `m1=${u.peer}`,
    ...(second ? ['--initial-cluster-state', 'existing'] : []),
  ];
  const p = kind === 'go' ? start(GO_ETCD.etcd, flags) : start(process.execPath, [OURS, ...flags]);
  running.add(p);
  try {
    // A quorum read needs a leader; the index passes minIndex once this start's publish
    // of its attributes is applied.
    await waitFor(async () => {
      const r = await fetch(`${me.client}/v2/keys/?quorum=true`);
      await r.arrayBuffer();
      return r.status === 200 && Number(r.headers.get('x-etcd-index')) >= minIndex;
    }, `${kind} member to be ready`);
  } catch (e) {
    await stopMember(p);
    throw new Error(`${(e as Error).message}\n${p.output()}`);
  }
  return p;
}

/**
 * m1 (at `u`) adds a second member, which joins and catches up, then removes it: the data
 * dir's store then holds a removed member and two more membership changes.
 */
async function addAndRemoveMember(kind: Kind, u: Urls): Promise<void> {
  const urls = await newUrls();
  const add = await fetch(`${u.client}/v2/members`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ peerURLs: [urls.peer] }),
  });
  const added = (await add.json()) as { id: string };
  assert.equal(add.status, 201, `member add: ${JSON.stringify(added)}`);
  const idx = Number((await fetch(`${u.client}/v2/keys/`)).headers.get('x-etcd-index'));
  const m2 = await startMember(kind, newDir(), u, idx, { name: 'm2', urls });
  const del = await fetch(`${u.client}/v2/members/${added.id}`, { method: 'DELETE' });
  assert.equal(del.status, 204, `member remove: ${await del.text()}`);
  await m2.stop('SIGKILL');
  running.delete(m2);
  // Alone again: m1 is its own quorum.
  await waitFor(async () => {
    const r = await fetch(`${u.client}/v2/members`);
    const body = (await r.json()) as { members: unknown[] };
    return body.members.length === 1;
  }, 'the removed member to be gone');
}
async function stopMember(p: Started): Promise<void> {
  await p.stop('SIGTERM');
  running.delete(p);
}

async function send(u: Urls, method: string, path: string, form?: Record<string, string>) {
  const r = await fetch(`${u.client}/v2/keys${path}`, {
    method,
    headers: form ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
    body: form ? new URLSearchParams(form).toString() : undefined,
  });
  const text = await r.text();
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${text}`);
  return JSON.parse(text) as { node: { key: string } };
}

/** Plain keys, a dir, a TTL key, in-order keys, a CAS and a delete: past one snapshot. */
async function workload(u: Urls, prefix: string): Promise<void> {
  for (let i = 0; i < 8; i++) await send(u, 'PUT', `/${prefix}/plain${i}`, { value: `v${i}` });
  await send(u, 'PUT', `/${prefix}/dir?dir=true`);
  await send(u, 'PUT', `/${prefix}/dir/inner`, { value: 'x' });
  await send(u, 'PUT', `/${prefix}/ttl`, { value: 't', ttl: '1000' });
  for (let i = 0; i < 3; i++) await send(u, 'POST', `/${prefix}/queue`, { value: `job${i}` });
  await send(u, 'PUT', `/${prefix}/cas`, { value: 'v' });
  await send(u, 'PUT', `/${prefix}/cas?prevValue=v`, { value: 'w' });
  await send(u, 'DELETE', `/${prefix}/plain0`);
}

/** The TTL key's remaining seconds tick; everything else (expiration included) must match. */
function maskTtl(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(maskTtl);
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = k === 'ttl' ? 'masked' : maskTtl(v);
    return out;
  }
  return node;
}

async function view(u: Urls): Promise<View> {
  const r = await fetch(`${u.client}/v2/keys/?recursive=true&sorted=true`);
  const tree = maskTtl(await r.json());
  const m = await fetch(`${u.client}/v2/members`);
  return {
    index: Number(r.headers.get('x-etcd-index')),
    tree,
    members: await m.text(),
    clusterId: m.headers.get('x-etcd-cluster-id') ?? '',
  };
}

function assertSameStore(got: View, want: View, what: string): void {
  assert.deepEqual(got.tree, want.tree, `${what}: key tree`);
  assert.equal(got.members, want.members, `${what}: /v2/members body`);
  assert.equal(got.clusterId, want.clusterId, `${what}: X-Etcd-Cluster-Id`);
}

/**
 * `from` writes the workload and stops; `to` starts on the same dir; for the index, `from`
 * is restarted on a copy of that dir (each restart publishes its attributes once more).
 */
async function handOver(from: Kind, to: Kind, dir: string, u: Urls, prefix: string) {
  const a = await startMember(from, dir, u);
  await workload(u, prefix);
  await addAndRemoveMember(from, u);
  await send(u, 'PUT', `/${prefix}/after-member-change`, { value: 'ok' });
  const before = await view(u);
  await stopMember(a);
  const snaps = readdirSync(join(dir, 'member', 'snap')).filter((f) => f.endsWith('.snap'));
  assert.ok(snaps.length > 0, `${from} wrote no snapshot`);
  const copy = newDir();
  cpSync(dir, copy, { recursive: true });

  const b = await startMember(to, dir, u, before.index + 1);
  const served = await view(u);
  const ttl = (await send(u, 'GET', `/${prefix}/ttl`)) as unknown as { node: { ttl: number } };
  assert.ok(ttl.node.ttl > 0 && ttl.node.ttl <= 1000, `TTL still counting: ${ttl.node.ttl}`);
  await stopMember(b);
  const ref = await startMember(from, copy, u, before.index + 1);
  const again = await view(u);
  await stopMember(ref);

  assertSameStore(served, before, `${to} on ${from}'s dir vs ${from} before stop`);
  assertSameStore(served, again, `${to} on ${from}'s dir vs ${from} restarted`);
  assert.equal(served.index, again.index, 'X-Etcd-Index after restart');
  assert.equal(served.index, before.index + 1, 'one publish after restart');
  return before;
}

/**
 * Go's own reading of a data dir's WAL: entry kind and request per line, without the raft
 * index (SYNC entries, left out, come with the leader's clock and shift it).
 */
function dumpLogs(dir: string): string {
  const out = execFileSync(GO_ETCD.dumpLogs, ['-data-dir', join(dir, 'member')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return out
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.includes(' SYNC') && !l.includes(' QGET '))
    .map((l) => l.replace(/^\s*\d+\s+\d+:/, ''))
    .join('\n');
}

describe('data dirs: Go etcd 2.0.13 and ours read each other', { skip }, () => {
  test('Go → ours → Go', async () => {
    const dir = newDir();
    const u = await newUrls();
    await handOver('go', 'ours', dir, u, 'g');

    // Ours accepts writes on Go's dir, then Go serves all of it.
    const ours = await startMember('ours', dir, u);
    await workload(u, 'o');
    const oursView = await view(u);
    await stopMember(ours);
    const go = await startMember('go', dir, u, oursView.index + 1);
    const goView = await view(u);
    assertSameStore(goView, oursView, 'Go on the round-tripped dir');
    assert.equal(goView.index, oursView.index + 1);
    await send(u, 'PUT', '/after-round-trip', { value: 'ok' });
    await stopMember(go);
  });

  test('the same writes give the same log entries (etcd-dump-logs)', async () => {
    const u = await newUrls();
    const dumps: string[] = [];
    for (const kind of ['go', 'ours'] as const) {
      const dir = newDir();
      const p = await startMember(kind, dir, u);
      await workload(u, 'w');
      await stopMember(p);
      dumps.push(dumpLogs(dir));
    }
    assert.ok(dumps[0]!.includes('DELETE /1/w/plain0'), dumps[0]);
    assert.equal(dumps[1], dumps[0]);
  });

  test('ours → Go', async () => {
    const dir = newDir();
    const u = await newUrls();
    await handOver('ours', 'go', dir, u, 'o');
    const go = await startMember('go', dir, u);
    const r = await send(u, 'PUT', '/after', { value: 'ok' });
    assert.equal(r.node.key, '/after');
    await stopMember(go);
  });
});
