// The store as etcd 2.0's snapshot holds it: Go's encoding/json of its store struct, byte for
// byte (field order, map keys sorted, HTML-safe escaping, times as RFC3339Nano, the 1000-slot
// event ring with its nulls), and back. Both implementations read each other's snapshots.
import { Buffer } from 'node:buffer';
import { type Action, compareKeys, EVENT_ACTIONS, NodeExtern, StoreEvent } from './event.js';
import { formatGoTime, GO_ZERO_TIME, parseGoTime } from '../pkg/go-time.js';
import { eventJSON, goString } from './json.js';
import { Node } from './node.js';
import { STAT_FIELDS } from './stats.js';
import type { Store } from './store.js';

/** etcd's store format version (CurrentVersion). */
const STORE_VERSION = 2;

const ACTIONS = new Set<Action>(EVENT_ACTIONS);

/**
 * Text written into a growing buffer: no array of millions of strings to join. Small pieces
 * are gathered into ~16 KiB strings first (one encode call per batch, not per node).
 */
class TextWriter {
  buf: Buffer;
  pos = 0;
  private pending = '';

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  write(s: string): void {
    this.pending += s;
    if (this.pending.length >= 16384) this.flush();
  }

  /** Encodes what is gathered; call before reading `buf` and `pos`. */
  flush(): void {
    const s = this.pending;
    this.pending = '';
    const max = s.length * 3;
    if (this.pos + max > this.buf.length) {
      const b = Buffer.allocUnsafe(Math.max(Math.ceil(this.buf.length * 1.5), this.pos + max));
      this.buf.copy(b, 0, 0, this.pos);
      this.buf = b;
    }
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }
}

function byName(a: [string, Node], b: [string, Node]): number {
  return compareKeys(a[0], b[0]);
}

/** Writes `prefix` (the node's name in its parent's map, or '') and the node, in one go. */
function writeNode(w: TextWriter, n: Node, prefix = ''): void {
  const t = n.ttl;
  const head = `${prefix}{"Path":${goString(n.key)},"CreatedIndex":${n.createdIndex},"ModifiedIndex":${n.modifiedIndex},"ExpireTime":"${t === null ? GO_ZERO_TIME : formatGoTime(t.expireTime, t.expireNs)}","ACL":"","Value":${goString(n.value)},"Children":`;
  if (n.children === null) {
    w.write(`${head}null}`);
    return;
  }
  w.write(`${head}{`);
  // Go's encoder writes a map's keys sorted.
  const kids: [string, Node][] = [];
  for (const c of n.children) kids.push([c.name(), c]);
  kids.sort(byName);
  for (let i = 0; i < kids.length; i++) {
    const [name, c] = kids[i]!;
    writeNode(w, c, i === 0 ? `${goString(name)}:` : `,${goString(name)}:`);
  }
  w.write('}}');
}

/** The store's snapshot bytes, as etcd 2.0's store.Save() writes them. */
export function saveGoJSON(s: Store): Uint8Array {
  // Enough for ASCII text (the fixed part of a node is ~110 bytes, its two indexes up to 32,
  // its name in the parent's map the key's length again): growing means copying it all.
  let size = 64 * 1024;
  for (const n of s.nodes.values()) size += 2 * n.key.length + n.value.length + 160;
  const w = new TextWriter(size);
  w.write('{"Root":');
  writeNode(w, s.root);
  const h = s.hub.history;
  const q = h.slots();
  w.write(',"WatcherHub":{"EventHistory":{"Queue":{"Events":[');
  for (let i = 0; i < h.capacity; i++) {
    const e = q.events[i];
    if (i !== 0) w.write(',');
    w.write(e === undefined ? 'null' : eventJSON(e));
  }
  const back = (q.front + q.size) % h.capacity;
  let tail = `],"Size":${q.size},"Front":${q.front},"Back":${back},"Capacity":${h.capacity}},"StartIndex":${h.startIndex},"LastIndex":${h.lastIndex}}},"CurrentIndex":${s.index},"Stats":{`;
  for (let i = 0; i < STAT_FIELDS.length; i++) {
    const f = STAT_FIELDS[i]!;
    tail += `${i === 0 ? '' : ','}"${f}":${s.stats[f]}`;
  }
  w.write(`${tail}},"CurrentVersion":${s.version}}`);
  w.flush();
  return w.buf.subarray(0, w.pos);
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

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isIndex(v: unknown): boolean {
  return v === undefined || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0);
}

// Checked inline (messages built only on failure): a snapshot holds millions of nodes.
function readNode(s: Store, v: unknown, parent: Node | null, name: string): Node {
  if (!isObject(v)) fail(`node ${JSON.stringify(name)} is not an object`);
  const path = v.Path;
  const et = v.ExpireTime;
  const value = v.Value ?? '';
  if (typeof path !== 'string') fail(`node ${JSON.stringify(name)} has no Path`);
  if (typeof value !== 'string') fail(`Value of ${path} is not a string`);
  if (!isIndex(v.CreatedIndex) || !isIndex(v.ModifiedIndex)) fail(`bad index in ${path}`);
  if (et !== undefined && typeof et !== 'string') fail(`ExpireTime of ${path} is not a time`);
  const exp = et === undefined || et === GO_ZERO_TIME ? null : parseGoTime(et);
  const kids = v.Children;
  const dir = kids !== null && kids !== undefined;
  const n = new Node(
    path,
    parent,
    (v.CreatedIndex as number | undefined) ?? 0,
    value,
    dir,
    exp === null ? 0 : exp.ms,
    exp === null ? 0 : exp.ns,
  );
  n.modifiedIndex = (v.ModifiedIndex as number | undefined) ?? 0;
  if (parent !== null) {
    s.nodes.set(path, n);
    if (n.ttl !== null) s.ttlHeap.push(n);
  }
  if (dir) {
    if (!isObject(kids)) fail(`Children of ${path} is not an object`);
    // Go's map has no order: children go in by createdIndex, the order listings use.
    const list: Node[] = [];
    for (const k in kids) list.push(readNode(s, kids[k], n, k));
    list.sort((a, b) => a.createdIndex - b.createdIndex || compareKeys(a.key, b.key));
    for (let i = 0; i < list.length; i++) n.children!.add(list[i]!);
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
  const root = readNode(s, top.Root, null, 'Root');
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
