// The etcd 0.4.9 data dirs under test/fixtures/etcd-0.4.9 (see its README), copied for a
// test, optionally with their peer and client ports moved to ports this test reserved; and
// the keyspace 0.4.9 served before it stopped (view04.txt), flattened for comparison.
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeLog4, encodeLog4 } from '../../src/migrate/log4.js';
import { decodeSnapshot4, encodeSnapshot4 } from '../../src/migrate/snapshot4.js';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { nodeJSON } from '../../src/store/json.js';
import { STORE_KEYS_PREFIX } from '../../src/server/membership-store.js';
import { storeKey } from '../../src/migrate/to-store.js';
import type { Store } from '../../src/store/store.js';
import type { Entry, HardState, Snapshot } from '../../src/raft/types.js';
import { Snapshotter } from '../../src/snap/snapshotter.js';
import { validSnapshotMarkers } from '../../src/wal/markers.js';
import { WAL } from '../../src/wal/wal.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'etcd-0.4.9');
export const BIN_ETCD = join(ROOT, 'bin', 'etcd');
export const BIN_MIGRATE = join(ROOT, 'bin', 'etcd-migrate');

/** Fixture data dirs, relative to FIXTURES. */
export const DATA = {
  single: 'single/data',
  nosnap: 'nosnap/data',
  qget: 'qget/data',
  node1: 'cluster3/node1',
  node2: 'cluster3/node2',
  node3: 'cluster3/node3',
  standby: 'cluster3/node4',
} as const;

export type PortMap = ReadonlyMap<number, number>;

/** The fixture's URLs with moved ports: localhost:OLD → 127.0.0.1:NEW (plain and query-escaped). */
export function retarget(text: string, ports: PortMap): string {
  let out = text;
  for (const [from, to] of ports) {
    out = out
      .split(`localhost:${from}`)
      .join(`127.0.0.1:${to}`)
      .split(`localhost%3A${from}`)
      .join(`127.0.0.1%3A${to}`);
  }
  return out;
}

/**
 * Copies a fixture data dir to `dest`. Git keeps no empty directory, so a 0.4 dir's empty
 * snapshot/ is made again. With `ports`, every URL in log, snapshots and conf is moved.
 */
export function copyFixture(rel: string, dest: string, ports: PortMap = new Map()): string {
  const src = join(FIXTURES, rel);
  cpSync(src, dest, { recursive: true });
  mkdirSync(join(dest, 'snapshot'), { recursive: true });
  if (ports.size === 0) return dest;
  const logFile = join(dest, 'log');
  if (existsSync(logFile)) {
    const log = decodeLog4(readFileSync(logFile));
    const moved = log.entries.map((e) => ({ ...e, command: retarget(e.command, ports) }));
    writeFileSync(logFile, encodeLog4(moved));
  }
  for (const f of readdirSync(join(dest, 'snapshot'))) {
    const p = join(dest, 'snapshot', f);
    const s = decodeSnapshot4(readFileSync(p), p);
    const state = JSON.parse(retarget(JSON.stringify(s.state), ports));
    writeFileSync(p, encodeSnapshot4({ ...s, state }));
  }
  for (const f of ['conf', 'standby_info']) {
    const p = join(dest, f);
    if (existsSync(p)) writeFileSync(p, retarget(readFileSync(p, 'utf8'), ports));
  }
  return dest;
}

/** One node as compared: value (null for a dir), dir, indexes, expiry to the microsecond. */
export type Flat = Record<string, string>;

/** Expiry to the microsecond (the precision our store keeps today). */
export function expiryNs(s: string | undefined): string {
  if (s === undefined) return '-';
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(s);
  if (m === null) return s;
  return `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}Z`;
}

interface JNode {
  key?: string;
  value?: string;
  dir?: boolean;
  expiration?: string;
  nodes?: JNode[];
  createdIndex?: number;
  modifiedIndex?: number;
}

export function flatten(n: JNode, out: Flat = {}): Flat {
  const k = n.key ?? '/';
  out[k] = JSON.stringify([
    n.dir === true ? null : (n.value ?? ''),
    n.createdIndex ?? 0,
    n.modifiedIndex ?? 0,
    expiryNs(n.expiration),
  ]);
  for (const c of n.nodes ?? []) flatten(c, out);
  return out;
}

/** view04.txt: the recursive GET of / plus the hidden keys, as one flat map. */
export function loadView04(fixture: string, ports: PortMap = new Map()): Flat {
  const text = retarget(readFileSync(join(FIXTURES, fixture, 'view04.txt'), 'utf8'), ports);
  const out: Flat = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    const j = JSON.parse(line) as { node?: JNode };
    if (j.node) flatten(j.node, out);
  }
  return out;
}

/** The keys view04.txt read (to ask a server the same questions). */
export const VIEW_KEYS = [
  '/',
  '/_hiddenA',
  '/_hiddenB',
  '/_etcd',
  '/_etcd/machines',
  '/_etcd/config',
];

/** When view04.txt was taken (s since 1970): the fake clock of conversion tests. */
export function view04Time(fixture: string): number {
  return Number(readFileSync(join(FIXTURES, fixture, 'view04.time'), 'utf8').trim());
}

/** A digest of every file (path, mode, bytes) under `dir`: "changed nothing" checks. */
export function treeDigest(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string, rel: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      h.update(`${rel}/${name} ${st.mode.toString(8)}\n`);
      if (st.isDirectory()) walk(p, `${rel}/${name}`);
      else h.update(readFileSync(p));
    }
  };
  walk(dir, '');
  return h.digest('hex');
}

/**
 * Differences between what 0.4 served and what a live server serves `nowMs` later: a key
 * that expired meanwhile must be gone (with anything under it), any other must be equal;
 * keys expiring within `marginMs` of now are not judged.
 */
export function diffLive(want: Flat, got: Flat, nowMs: number, marginMs: number): string[] {
  const out: string[] = [];
  const expiry = (k: string): number | null => {
    const v = want[k];
    if (v === undefined) return null;
    const e = JSON.parse(v)[3] as string;
    return e === '-' ? null : Date.parse(e);
  };
  const state = (k: string): 'live' | 'gone' | 'unsure' => {
    for (let i = k.length; i > 0; i = k.lastIndexOf('/', i - 1)) {
      const e = expiry(k.slice(0, i));
      if (e === null) continue;
      if (Math.abs(e - nowMs) <= marginMs) return 'unsure';
      if (e < nowMs) return 'gone';
    }
    return 'live';
  };
  for (const k of new Set([...Object.keys(want), ...Object.keys(got)])) {
    const st = want[k] === undefined ? 'live' : state(k);
    if (st === 'unsure') continue;
    const w = st === 'gone' ? undefined : want[k];
    if (w !== got[k]) out.push(`${k}: 0.4 ${w ?? 'absent'}, ours ${got[k] ?? 'absent'}`);
  }
  return out;
}

/** A node of our store as the v2 API shows it: users' keys without the /1 prefix. */
function unprefixed(n: JNode): JNode {
  const key = n.key === STORE_KEYS_PREFIX ? '/' : n.key?.slice(STORE_KEYS_PREFIX.length);
  return { ...n, key, nodes: n.nodes?.map(unprefixed) };
}

/** What our store serves for the keys view04.txt read, at `nowMs`. */
export function viewOf(c: { store: Store }, nowMs: number): Flat {
  const out: Flat = {};
  for (const k of VIEW_KEYS) {
    try {
      const j = JSON.parse(nodeJSON(c.store.get(storeKey(k), true, true, nowMs).node)) as JNode;
      flatten(unprefixed(j), out);
    } catch {
      // not there (0.4 answered 100 too)
    }
  }
  return out;
}

export function assertSameKeyspace(want: Flat, got: Flat): void {
  const diffs: string[] = [];
  for (const k of new Set([...Object.keys(want), ...Object.keys(got)])) {
    if (want[k] !== got[k])
      diffs.push(`${k}: 0.4 ${want[k] ?? 'absent'}, ours ${got[k] ?? 'absent'}`);
  }
  assert.deepEqual(diffs, []);
}

/** A member dir as a restart reads it: newest snapshot with a WAL marker, then the WAL. */
export async function readMemberDir(dataDir: string): Promise<{
  metadata: Uint8Array;
  hardState: HardState;
  entries: Entry[];
  snapshot: Snapshot | null;
}> {
  const walDir = join(dataDir, 'member', 'wal');
  const markers = await validSnapshotMarkers(walDir);
  const snapshot = await new Snapshotter(join(dataDir, 'member', 'snap')).loadNewestAvailable(
    markers,
  );
  const at = snapshot
    ? { index: snapshot.metadata.index, term: snapshot.metadata.term }
    : { index: 0, term: 0 };
  const wal = await WAL.open(walDir, at);
  try {
    const c = await wal.readAll();
    return { metadata: c.metadata, hardState: c.hardState, entries: c.entries, snapshot };
  } finally {
    await wal.close();
  }
}
