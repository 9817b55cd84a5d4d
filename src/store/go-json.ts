// The store as etcd 2.0's snapshot holds it: Go's encoding/json of its store struct, byte for
// byte (field order, map keys sorted, HTML-safe escaping, times as RFC3339Nano, the 1000-slot
// event ring with its nulls), and back. Both implementations read each other's snapshots.
import { Buffer } from 'node:buffer';
import { type Action, compareKeys, NodeExtern, StoreEvent } from './event.js';
import { formatGoTime, GO_ZERO_TIME, parseGoTime } from '../pkg/go-time.js';
import { eventJSON, goString } from './json.js';
import { Node } from './node.js';
import { STAT_FIELDS } from './stats.js';
import type { Store } from './store.js';

/** etcd's store format version (CurrentVersion). */
const STORE_VERSION = 2;

const ACTIONS = new Set<Action>([
  'get',
  'create',
  'set',
  'update',
  'delete',
  'compareAndSwap',
  'compareAndDelete',
  'expire',
]);

function byName(a: Node, b: Node): number {
  return compareKeys(a.name(), b.name());
}

function writeNode(out: string[], n: Node): void {
  const t = n.ttl;
  out.push(
    `{"Path":${goString(n.key)},"CreatedIndex":${n.createdIndex},"ModifiedIndex":${n.modifiedIndex},"ExpireTime":"${t === null ? GO_ZERO_TIME : formatGoTime(t.expireTime, t.expireNs)}","ACL":"","Value":${goString(n.value)},"Children":`,
  );
  if (n.children === null) {
    out.push('null}');
    return;
  }
  const kids = [...n.children].sort(byName);
  out.push('{');
  for (let i = 0; i < kids.length; i++) {
    const c = kids[i]!;
    out.push(i === 0 ? `${goString(c.name())}:` : `,${goString(c.name())}:`);
    writeNode(out, c);
  }
  out.push('}}');
}

/** The store's snapshot bytes, as etcd 2.0's store.Save() writes them. */
export function saveGoJSON(s: Store): Uint8Array {
  const out: string[] = ['{"Root":'];
  writeNode(out, s.root);
  const h = s.hub.history;
  const q = h.slots();
  out.push(',"WatcherHub":{"EventHistory":{"Queue":{"Events":[');
  for (let i = 0; i < h.capacity; i++) {
    const e = q.events[i];
    if (i !== 0) out.push(',');
    out.push(e === undefined ? 'null' : eventJSON(e));
  }
  const back = (q.front + q.size) % h.capacity;
  out.push(
    `],"Size":${q.size},"Front":${q.front},"Back":${back},"Capacity":${h.capacity}},"StartIndex":${h.startIndex},"LastIndex":${h.lastIndex}}},"CurrentIndex":${s.index},"Stats":{`,
  );
  for (let i = 0; i < STAT_FIELDS.length; i++) {
    const f = STAT_FIELDS[i]!;
    out.push(`${i === 0 ? '' : ','}"${f}":${s.stats[f]}`);
  }
  out.push(`},"CurrentVersion":${s.version}}`);
  return Buffer.from(out.join(''), 'utf8');
}

// ---- restore ----

class SnapshotError extends Error {}

function fail(what: string): never {
  throw new SnapshotError(`store snapshot: ${what}`);
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${what} is not an object`);
  return v as Record<string, unknown>;
}

function uint(v: unknown, what: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(`${what} is not an index`);
  return v;
}

function str(v: unknown, what: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') fail(`${what} is not a string`);
  return v;
}

function readNode(s: Store, v: unknown, parent: Node | null, key: string): Node {
  const o = obj(v, `node ${key}`);
  const path = str(o.Path, `Path of ${key}`);
  const exp =
    o.ExpireTime === undefined ? null : parseGoTime(str(o.ExpireTime, `ExpireTime of ${path}`));
  const kids = o.Children;
  const dir = kids !== null && kids !== undefined;
  const n = new Node(
    path,
    parent,
    uint(o.CreatedIndex, `CreatedIndex of ${path}`),
    str(o.Value, `Value of ${path}`),
    dir,
    exp === null ? 0 : exp.ms,
    exp === null ? 0 : exp.ns,
  );
  n.modifiedIndex = uint(o.ModifiedIndex, `ModifiedIndex of ${path}`);
  if (parent !== null) {
    s.nodes.set(path, n);
    if (n.ttl !== null) s.ttlHeap.push(n);
  }
  if (dir) {
    const m = obj(kids, `Children of ${path}`);
    // Go's map has no order; ours lists children in creation order, so rebuild it so.
    const list = Object.keys(m).map((name) => readNode(s, m[name], n, `${path}/${name}`));
    list.sort((a, b) => a.createdIndex - b.createdIndex || compareKeys(a.key, b.key));
    for (const c of list) n.children!.add(c);
  }
  return n;
}

function readExtern(v: unknown): NodeExtern {
  const o = obj(v, 'event node');
  const n = new NodeExtern(
    str(o.key, 'event key'),
    uint(o.modifiedIndex, 'modifiedIndex'),
    uint(o.createdIndex, 'createdIndex'),
  );
  if (o.value !== undefined && o.value !== null) n.value = str(o.value, 'event value');
  n.dir = o.dir === true;
  if (o.expiration !== undefined && o.expiration !== null) {
    const t = parseGoTime(str(o.expiration, 'expiration'));
    if (t !== null) {
      n.expiration = t.ms;
      n.expirationNs = t.ns;
    }
  }
  if (typeof o.ttl === 'number') n.ttl = o.ttl;
  if (Array.isArray(o.nodes)) n.nodes = o.nodes.map(readExtern);
  return n;
}

function readEvent(v: unknown): StoreEvent | undefined {
  if (v === null) return undefined;
  const o = obj(v, 'event');
  const action = o.action as Action;
  if (!ACTIONS.has(action)) fail(`unknown event action ${JSON.stringify(o.action)}`);
  const e = new StoreEvent(action, '', 0, 0);
  if (o.node !== undefined && o.node !== null) e.node = readExtern(o.node);
  if (o.prevNode !== undefined && o.prevNode !== null) e.prevNode = readExtern(o.prevNode);
  return e;
}

/**
 * Loads snapshot bytes written by etcd 2.0 (or saveGoJSON) into a new, empty store. Throws a
 * clear error if the bytes are not such a snapshot (the store is then to be dropped).
 */
export function restoreGoJSON(s: Store, b: Uint8Array): void {
  let top: Record<string, unknown>;
  try {
    top = obj(
      JSON.parse(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8')),
      'snapshot',
    );
  } catch (e) {
    if (e instanceof SnapshotError) throw e;
    fail(`not JSON (${(e as Error).message})`);
  }
  const version = top.CurrentVersion;
  if (version !== STORE_VERSION) fail(`unsupported version ${JSON.stringify(version)}`);
  const hist = obj(obj(top.WatcherHub, 'WatcherHub').EventHistory, 'EventHistory');
  const q = obj(hist.Queue, 'Queue');
  if (!Array.isArray(q.Events)) fail('Queue.Events is not a list');
  const events = q.Events.map(readEvent);
  const statsIn = obj(top.Stats, 'Stats');
  const index = uint(top.CurrentIndex, 'CurrentIndex');
  s.nodes.clear();
  const root = readNode(s, top.Root, null, '/');
  if (root.key !== '/' || root.children === null) fail('Root is not the directory "/"');
  s.root = root;
  const h = s.hub.history;
  if (uint(q.Capacity, 'Capacity') !== h.capacity || events.length !== h.capacity) {
    fail(`event history of ${events.length} slots (want ${h.capacity})`);
  }
  h.setSlots(
    events,
    uint(q.Front, 'Front'),
    uint(q.Size, 'Size'),
    uint(hist.StartIndex, 'StartIndex'),
    uint(hist.LastIndex, 'LastIndex'),
  );
  for (const f of STAT_FIELDS) s.stats[f] = uint(statsIn[f], `Stats.${f}`);
  s.index = index;
  s.version = version;
}
