// Results of store operations, shaped as etcd's v2 Event and NodeExtern.
import { isPlainJSON } from './json.js';
import type { Node } from './node.js';

/** The actions an event in the history can carry: etcd's, less 'sync' (which is ours). */
export const EVENT_ACTIONS = [
  'get',
  'create',
  'set',
  'update',
  'delete',
  'compareAndSwap',
  'compareAndDelete',
  'expire',
] as const;

export type Action = (typeof EVENT_ACTIONS)[number] | 'sync';

/** A node as clients see it. `value === null` means no value field; `expiration` 0 means none. */
export class NodeExtern {
  key: string;
  value: string | null;
  /** `value` needs no escaping in JSON (known from its node; false when not known). */
  plain: boolean;
  dir: boolean;
  /** Absolute expiry: whole ms (0 = permanent with expirationNs 0)... */
  expiration: number;
  /** ...and the nanoseconds within that ms. */
  expirationNs: number;
  /** Seconds left when this view was made (0 is omitted on the wire). */
  ttl: number;
  nodes: NodeExtern[] | null;
  modifiedIndex: number;
  createdIndex: number;

  constructor(key: string, modifiedIndex: number, createdIndex: number) {
    this.key = key;
    this.value = null;
    this.plain = false;
    this.dir = false;
    this.expiration = 0;
    this.expirationNs = 0;
    this.ttl = 0;
    this.nodes = null;
    this.modifiedIndex = modifiedIndex;
    this.createdIndex = createdIndex;
  }

  setExpiration(expireTime: number, expireNs: number, now: number): void {
    this.expiration = expireTime;
    this.expirationNs = expireNs;
    this.ttl = ttlSeconds(expireTime, expireNs, now);
  }
}

export class StoreEvent {
  action: Action;
  node: NodeExtern;
  prevNode: NodeExtern | null;
  /** The store index after this operation (X-Etcd-Index). */
  etcdIndex: number;
  /** A TTL refresh: kept in the history but neither listed by a watch nor sent to watchers. */
  refresh: boolean;
  /** The event's JSON once written (see eventJSONOnce): every watcher shares one. */
  json: string | null;
  /** That JSON and a newline, as a watcher's answer carries it (see eventLineOnce). */
  line: string | null;

  constructor(action: Action, key: string, modifiedIndex: number, createdIndex: number) {
    this.action = action;
    this.node = new NodeExtern(key, modifiedIndex, createdIndex);
    this.prevNode = null;
    this.etcdIndex = 0;
    this.refresh = false;
    this.json = null;
    this.line = null;
  }

  /** The index of the change (the node's modifiedIndex), as etcd's Event.Index(). */
  index(): number {
    return this.node.modifiedIndex;
  }

  /** 201 Created: a create, or a set that made a new key. */
  isCreated(): boolean {
    return this.action === 'create' || (this.action === 'set' && this.prevNode === null);
  }

  /** A copy sharing the nodes, with another etcdIndex (watch results carry the watch's start index). */
  withIndex(etcdIndex: number): StoreEvent {
    const e = new StoreEvent(this.action, '', 0, 0);
    e.node = this.node;
    e.prevNode = this.prevNode;
    e.etcdIndex = etcdIndex;
    e.refresh = this.refresh;
    e.json = this.json;
    e.line = this.line;
    return e;
  }
}

/**
 * Seconds left as etcd computes them in nanoseconds: truncated, plus one for a positive
 * remainder (that is, ceil). `now` is in ms. Exact for any ms value a double holds.
 */
export function ttlSeconds(expireTime: number, expireNs: number, now: number): number {
  const leftMs = expireTime - now;
  const secs = Math.floor(leftMs / 1000);
  const remNs = (leftMs - secs * 1000) * 1e6 + expireNs; // 0 .. 1e9 + 1e6
  return secs + Math.ceil(remNs / 1e9);
}

/** The view of a node without children (etcd's Repr(false, false)). */
export function reprNode(n: Node, key: string, now: number): NodeExtern {
  const e = new NodeExtern(key, n.modifiedIndex, n.createdIndex);
  if (n.children !== null) e.dir = true;
  else {
    e.value = n.value;
    e.plain = valueIsPlain(n);
  }
  const t = n.ttl;
  if (t !== null) e.setExpiration(t.expireTime, t.expireNs, now);
  return e;
}

/**
 * Whether the node's value needs no escaping in JSON; remembered on the node (a value that
 * needs it lets go of the last one found plain).
 */
export function valueIsPlain(n: Node): boolean {
  if (n.plainValue === n.value) return true;
  n.plainValue = isPlainJSON(n.value) ? n.value : null;
  return n.plainValue !== null;
}

/**
 * Gives the file `n` its new value, and the view of it in the change's event too, with the
 * JSON verdict found once for both (the answer's node and the next change's prevNode).
 */
export function setFileValue(n: Node, view: NodeExtern, value: string): void {
  n.value = value;
  view.value = value;
  view.plain = valueIsPlain(n);
}

/** Whether a view (or any below it) shows an expiration: its "ttl" then counts down. */
export function showsExpiration(n: NodeExtern): boolean {
  if (n.expiration !== 0 || n.expirationNs !== 0) return true;
  if (n.nodes !== null) for (const c of n.nodes) if (showsExpiration(c)) return true;
  return false;
}

/** UTF-16 units reordered so that comparing them orders by code point, as Go's byte order. */
function codePointRank(c: number): number {
  return c >= 0xd800 && c <= 0xdfff ? c + 0x2000 : c >= 0xe000 ? c - 0x800 : c;
}

/** Keys in Go's order (UTF-8 bytes, i.e. code points), which differs from UTF-16 order. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return x < 0xd800 && y < 0xd800 ? x - y : codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function byKey(a: { key: string }, b: { key: string }): number {
  return compareKeys(a.key, b.key);
}

/** JS's own string order (UTF-16 units), for keys where it is Go's order. */
function byKeyUnits(a: { key: string }, b: { key: string }): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** Units from the first surrogate up: where UTF-16 order can differ from code point order. */
const MAY_REORDER = /[\ud800-\uffff]/;

/**
 * Sorts by key in Go's order. UTF-16 order differs from it only between a surrogate and a
 * unit from U+E000 up, so keys with neither sort by the engine's own (much faster) compare.
 */
export function sortByKey<T extends { key: string }>(list: T[]): void {
  let plain = true;
  for (let i = 0; i < list.length && plain; i++) plain = !MAY_REORDER.test(list[i]!.key);
  list.sort(plain ? byKeyUnits : byKey);
}

/** Visible children of a directory (hidden `_` names skipped), recursing if asked. */
export function listChildren(
  n: Node,
  recursive: boolean,
  sorted: boolean,
  now: number,
): NodeExtern[] {
  const out: NodeExtern[] = [];
  let ordered = true;
  let last = 0;
  // Where each child's name starts in its key (a hidden one starts with '_').
  const nameAt = n.key === '/' ? 1 : n.key.length + 1;
  for (const child of n.children!) {
    if (child.key.charCodeAt(nameAt) === 95) continue;
    const ce = reprNode(child, child.key, now);
    if (recursive && child.children !== null) ce.nodes = listChildren(child, true, sorted, now);
    out.push(ce);
    if (child.createdIndex < last) ordered = false;
    last = child.createdIndex;
  }
  if (sorted) sortByKey(out);
  // Unsorted: by createdIndex (a key set again is re-created in etcd), which every member
  // derives alike, whether it applied the log or restored a snapshot. Go's order is random.
  else if (!ordered) out.sort(byCreated);
  return out;
}

function byCreated(a: NodeExtern, b: NodeExtern): number {
  return a.createdIndex - b.createdIndex;
}
