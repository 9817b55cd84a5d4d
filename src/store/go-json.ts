// The store as etcd 2.0's snapshot holds it: Go's encoding/json of its store struct, byte for
// byte (field order, map keys sorted, HTML-safe escaping, times as RFC3339Nano, the 1000-slot
// event ring with its nulls), and back. Both implementations read each other's snapshots.
import { Buffer } from 'node:buffer';
import { type Action, compareKeys, EVENT_ACTIONS, NodeExtern, StoreEvent } from './event.js';
import { formatGoTime, GO_ZERO_TIME, parseGoTime } from '../pkg/go-time.js';
import { eventJSON, goString } from './json.js';
import { asciiBytes, JsonBytes, type JsonPull, JsonSyntaxError } from '../pkg/json-bytes.js';
import { Node, TTLEntry } from './node.js';
import { STAT_FIELDS } from './stats.js';
import { sortedChildren } from './sorted-children.js';
import type { Store } from './store.js';

/** etcd's store format version (CurrentVersion). */
const STORE_VERSION = 2;

const ACTIONS = new Set<Action>(EVENT_ACTIONS);

/**
 * Text written into a buffer: no array of millions of strings to join. Small pieces are
 * gathered into ~16 KiB strings first (one encode call per batch, not per node). Without a
 * sink the buffer grows to hold everything; with one, a full buffer is handed to the sink
 * (a view, valid only during the call) and reused.
 */
class TextWriter {
  buf: Buffer;
  pos = 0;
  private pending = '';

  constructor(
    size: number,
    private readonly sink: ((chunk: Uint8Array) => void) | null = null,
  ) {
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
    if (this.pos + max > this.buf.length && this.sink !== null && this.pos > 0) this.emit();
    if (this.pos + max > this.buf.length) {
      const b = Buffer.allocUnsafe(Math.max(Math.ceil(this.buf.length * 1.5), this.pos + max));
      this.buf.copy(b, 0, 0, this.pos);
      this.buf = b;
    }
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** Flushes and hands the rest to the sink. */
  end(): void {
    this.flush();
    if (this.pos > 0) this.emit();
  }

  private emit(): void {
    this.sink?.(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }
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
  // Go's encoder writes a map's keys (the names) sorted. Each child's key is this key plus
  // "/name", so ordering by key is ordering by name, without making a name per comparison.
  const kids = sortedChildren(n);
  for (let i = 0; i < kids.length; i++) {
    const c = kids[i]!;
    const name = goString(c.name());
    writeNode(w, c, i === 0 ? `${name}:` : `,${name}:`);
  }
  w.write('}}');
}

/** The store's snapshot bytes, as etcd 2.0's store.Save() writes them. */
export function saveGoJSON(s: Store): Uint8Array {
  const w = new TextWriter(estimatedSize(s));
  writeStore(w, s);
  w.flush();
  return w.buf.subarray(0, w.pos);
}

/**
 * The same bytes handed to `sink` in chunks of about `chunkSize` (views of one reused
 * buffer, each valid only during its call), so that no copy of the whole store is made.
 * The store must not change until this returns.
 */
export function streamGoJSON(
  s: Store,
  sink: (chunk: Uint8Array) => void,
  chunkSize = 1 << 20,
): void {
  const w = new TextWriter(chunkSize, sink);
  writeStore(w, s);
  w.end();
}

/**
 * Enough for ASCII text (the fixed part of a node is ~110 bytes, its two indexes up to 32,
 * its name in the parent's map the key's length again): growing means copying it all.
 */
export function estimatedSize(s: Store): number {
  let size = 64 * 1024;
  for (const n of s.nodes.values()) size += 2 * n.key.length + n.value.length + 160;
  return size;
}

function writeStore(w: TextWriter, s: Store): void {
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

const F_PATH = asciiBytes('Path');
const F_CREATED = asciiBytes('CreatedIndex');
const F_MODIFIED = asciiBytes('ModifiedIndex');
const F_EXPIRE = asciiBytes('ExpireTime');
const F_VALUE = asciiBytes('Value');
const F_CHILDREN = asciiBytes('Children');
const ZERO_TIME = asciiBytes(GO_ZERO_TIME);

/** Where a node is, for messages: its path once read, else its parent's. */
function where(path: string | null, parent: Node | null): string {
  return path ?? `a node under ${parent === null ? 'Root' : parent.key}`;
}

/** A node's CreatedIndex or ModifiedIndex. */
function readIndex(j: JsonBytes, path: string | null, parent: Node | null): number {
  const v = j.uint();
  if (v < 0) fail(`bad index in ${where(path, parent)}`);
  return v;
}

/**
 * Reads one node (and its subtree) straight from the snapshot's bytes: no JSON tree and no
 * string for every field name in between, which for millions of nodes was most of a
 * restart. Checked inline (messages built only on failure). Fields may come in any order;
 * unknown ones (ACL) are skipped.
 */
function readNode(s: Store, j: JsonBytes, parent: Node | null): Node {
  if (j.peek() !== 123) fail(`${where(null, parent)} is not an object`);
  const n = new Node('', parent, 0, '', false, 0, 0);
  let path: string | null = null;
  if (j.enter(123, 125))
    do {
      j.scanString();
      j.expect(58);
      if (j.textIs(F_PATH)) {
        if (j.peek() !== 34) fail(`${where(null, parent)} has no Path`);
        path = j.string();
        n.key = path;
      } else if (j.textIs(F_CREATED)) n.createdIndex = readIndex(j, path, parent);
      else if (j.textIs(F_MODIFIED)) n.modifiedIndex = readIndex(j, path, parent);
      else if (j.textIs(F_EXPIRE)) {
        if (j.peek() !== 34) fail(`ExpireTime of ${where(path, parent)} is not a time`);
        j.scanString();
        if (!j.textIs(ZERO_TIME)) {
          const exp = parseGoTime(j.text());
          n.ttl = exp === null ? null : new TTLEntry(exp.ms, exp.ns);
        }
      } else if (j.textIs(F_VALUE)) {
        if (j.null()) n.value = '';
        else if (j.peek() === 34) n.value = j.string();
        else fail(`Value of ${where(path, parent)} is not a string`);
      } else if (j.textIs(F_CHILDREN)) {
        n.children = j.null() ? null : readChildren(s, j, n, path);
      } else {
        j.skip();
      }
    } while (j.more(125));
  if (path === null) fail(`${where(null, parent)} has no Path`);
  if (parent !== null) {
    s.nodes.set(path, n);
    if (n.ttl !== null) s.ttlHeap.push(n);
  }
  return n;
}

/** A directory's Children object: the nodes in creation order (Go's map has no order). */
function readChildren(s: Store, j: JsonBytes, dir: Node, path: string | null): Set<Node> {
  if (j.peek() !== 123) fail(`Children of ${where(path, dir.parent)} is not an object`);
  const list: Node[] = [];
  if (j.enter(123, 125))
    do {
      j.scanString(); // the child's name: its Path says it again
      j.expect(58);
      list.push(readNode(s, j, dir));
    } while (j.more(125));
  list.sort((a, b) => a.createdIndex - b.createdIndex || compareKeys(a.key, b.key));
  return new Set(list);
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
 * Loads snapshot bytes written by etcd 2.0 (or saveGoJSON), given whole or pulled as they
 * are read, into a new, empty store. Throws a clear error if the bytes are not such a
 * snapshot (the store is then to be dropped).
 */
export function restoreGoJSON(s: Store, b: Uint8Array | JsonPull): void {
  const top: Record<string, unknown> = {};
  let root: Node | null = null;
  s.nodes.clear();
  try {
    const j = new JsonBytes(b);
    if (j.peek() !== 123) fail('snapshot is not an object');
    if (j.enter(123, 125))
      do {
        const key = j.string();
        j.expect(58);
        // The tree is read from the bytes; the rest (history, stats) is small.
        if (key === 'Root') root = readNode(s, j, null);
        else top[key] = j.parseValue();
      } while (j.more(125));
    j.finish();
  } catch (e) {
    if (e instanceof JsonSyntaxError) fail(`not JSON (${e.message})`);
    throw e;
  }
  const version = top.CurrentVersion;
  if (version !== STORE_VERSION) fail(`unsupported version ${JSON.stringify(version)}`);
  const hist = obj(obj(top.WatcherHub, 'WatcherHub').EventHistory, 'EventHistory');
  const q = obj(hist.Queue, 'Queue');
  if (!Array.isArray(q.Events)) fail('Queue.Events is not a list');
  const events = q.Events.map(readEvent);
  const statsIn = obj(top.Stats, 'Stats');
  const index = uint(top.CurrentIndex, 'CurrentIndex');
  if (root === null || root.key !== '/' || root.children === null)
    fail('Root is not the directory "/"');
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
