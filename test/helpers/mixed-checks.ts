// What the mixed Go/ours cluster tests compare across members: the keyspace through quorum
// reads, watch histories, and the store each member saved in its newest snapshot.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readSnapshotFile } from '../../src/snap/snapshotter.js';
import type { MixedCluster } from './mixed-cluster.js';

interface KeyState {
  value: string;
  modifiedIndex: number;
  createdIndex: number;
}

interface V2Node {
  key?: string;
  value?: string;
  dir?: boolean;
  modifiedIndex: number;
  createdIndex: number;
  nodes?: V2Node[];
}

function flatten(n: V2Node, out: Map<string, KeyState>): void {
  if (!n.dir && n.key !== undefined) {
    out.set(n.key.slice(1), {
      value: n.value ?? '',
      modifiedIndex: n.modifiedIndex,
      createdIndex: n.createdIndex,
    });
  }
  for (const c of n.nodes ?? []) flatten(c, out);
}

/** The whole keyspace through one member (a recursive, sorted quorum GET). */
export async function readTree(
  url: string,
): Promise<{ etcdIndex: number; keys: Map<string, KeyState>; body: string }> {
  const read = () =>
    fetch(`${url}/v2/keys/?recursive=true&sorted=true&quorum=true`, {
      signal: AbortSignal.timeout(10_000),
    });
  let r = await read();
  // Go 2.0 never answers requests pending when a snapshot replaces its log (it is sent one
  // whenever it falls behind the leader's latest snapshot, as 2.0's own leader does): they
  // time out with a 500. An unknown outcome, not a wrong answer: ask again.
  for (let n = 0; n < 3 && r.status === 500; n++) {
    await r.arrayBuffer();
    r = await read();
  }
  const body = await r.text();
  assert.equal(r.status, 200, `recursive GET through ${url}: ${body}`);
  const keys = new Map<string, KeyState>();
  flatten((JSON.parse(body) as { node: V2Node }).node, keys);
  return { etcdIndex: Number(r.headers.get('x-etcd-index')), keys, body };
}

/**
 * Every acknowledged key reads back with its value through every running member (quorum
 * reads), and every member holds the same keyspace: each key with the same value,
 * createdIndex and modifiedIndex (entries and store semantics are 2.0.13's on both sides).
 */
export async function assertAllReadable(
  c: MixedCluster,
  acked: Map<string, string>,
): Promise<void> {
  let first: { name: string; body: string } | null = null;
  for (const i of c.running()) {
    const name = c.members[i]!.name;
    const { keys, body } = await readTree(c.members[i]!.clientUrl);
    for (const [key, value] of acked) {
      assert.equal(keys.get(key)?.value, value, `${key} through ${name}`);
    }
    const tree = withoutTtl(body);
    if (first === null) first = { name, body: tree };
    else assert.equal(tree, first.body, `the keyspace through ${name} and ${first.name}`);
  }
}

/**
 * Drops the remaining-TTL fields: each member computes them from its own clock when it
 * applies (or serves) an entry, so a member replaying its log after a restart records
 * negative ones in its event history (Go 2.0.13 does so too).
 */
export function withoutTtl(json: string): string {
  return json.replace(/,"ttl":-?\d+/g, '').replace(/"ttl":-?\d+,/g, '');
}

/**
 * The events after `from` (exclusive) under `prefix`, as one member answers watches from an
 * index, until `count` events were seen; bodies as sent, remaining TTLs dropped.
 */
export async function watchFrom(
  url: string,
  prefix: string,
  from: number,
  count: number,
  timeoutMs = 10_000,
): Promise<string[]> {
  const out: string[] = [];
  let next = from + 1;
  const deadline = Date.now() + timeoutMs;
  while (out.length < count) {
    const left = deadline - Date.now();
    assert.ok(left > 0, `${url}: only ${out.length} of ${count} events: ${out.join('\n')}`);
    const r = await fetch(`${url}/v2/keys/${prefix}?wait=true&recursive=true&waitIndex=${next}`, {
      signal: AbortSignal.timeout(left),
    });
    const body = await r.text();
    assert.equal(r.status, 200, `watch through ${url} from ${next}: ${body}`);
    const ev = JSON.parse(body) as { node: { modifiedIndex: number } };
    out.push(withoutTtl(body));
    next = ev.node.modifiedIndex + 1;
  }
  return out;
}

/**
 * The store JSON in a member's newest snapshot file (Go's and ours have the same layout:
 * member/snap/<term>-<index>.snap). Null while there is none, or it is being written.
 */
export async function newestSnapshotStore(
  dataDir: string,
): Promise<{ index: number; text: string; currentIndex: number } | null> {
  const dir = join(dataDir, 'member', 'snap');
  const names = (await readdir(dir)).filter((n) => /^[0-9a-f]{16}-[0-9a-f]{16}\.snap$/.test(n));
  if (names.length === 0) return null;
  const name = names.sort().at(-1)!;
  try {
    const s = await readSnapshotFile(join(dir, name), name);
    const text = Buffer.from(s.data).toString('utf8');
    const m = /"CurrentIndex":(\d+)/.exec(text);
    return { index: s.metadata.index, text, currentIndex: m ? Number(m[1]) : -1 };
  } catch {
    return null;
  }
}

/**
 * A saved store with what is legitimately per member blanked: read counters and the
 * watcher count (reads are served locally; quorum reads are log entries, but two members'
 * snapshots may sit at different log indexes), and remaining TTLs.
 */
export function normaliseStore(text: string): string {
  return withoutTtl(text).replace(/"(getsSuccess|getsFail|watchers)":\d+/g, '"$1":0');
}

/** The first place two texts differ, with some context, for a failure message. */
export function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return `at byte ${i}:\n  ${a.slice(Math.max(0, i - 120), i + 120)}\n  ${b.slice(Math.max(0, i - 120), i + 120)}`;
}
