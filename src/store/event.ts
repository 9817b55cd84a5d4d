// Results of store operations, shaped as etcd's v2 Event and NodeExtern.
import type { Node } from './node.js';

export type Action =
  | 'get'
  | 'create'
  | 'set'
  | 'update'
  | 'delete'
  | 'compareAndSwap'
  | 'compareAndDelete'
  | 'expire'
  | 'sync';

/** A node as clients see it. `value === null` means no value field; `expiration` 0 means none. */
export class NodeExtern {
  key: string;
  value: string | null;
  dir: boolean;
  /** Absolute expiry in ms, 0 = permanent. */
  expiration: number;
  /** Seconds left when this view was made (0 is omitted on the wire). */
  ttl: number;
  nodes: NodeExtern[] | null;
  modifiedIndex: number;
  createdIndex: number;

  constructor(key: string, modifiedIndex: number, createdIndex: number) {
    this.key = key;
    this.value = null;
    this.dir = false;
    this.expiration = 0;
    this.ttl = 0;
    this.nodes = null;
    this.modifiedIndex = modifiedIndex;
    this.createdIndex = createdIndex;
  }

  setExpiration(expireTime: number, now: number): void {
    this.expiration = expireTime;
    this.ttl = expireTime === 0 ? 0 : ttlSeconds(expireTime, now);
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

  constructor(action: Action, key: string, modifiedIndex: number, createdIndex: number) {
    this.action = action;
    this.node = new NodeExtern(key, modifiedIndex, createdIndex);
    this.prevNode = null;
    this.etcdIndex = 0;
    this.refresh = false;
    this.json = null;
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
    return e;
  }
}

/** Seconds left, rounded up as etcd does: ceil for a positive remainder, truncation otherwise. */
export function ttlSeconds(expireTime: number, now: number): number {
  const left = expireTime - now;
  let ttl = Math.trunc(left / 1000);
  if (left % 1000 > 0) ttl++;
  return ttl;
}

/** The view of a node without children (etcd's Repr(false, false)). */
export function reprNode(n: Node, key: string, now: number): NodeExtern {
  const e = new NodeExtern(key, n.modifiedIndex, n.createdIndex);
  if (n.children !== null) e.dir = true;
  else e.value = n.value;
  if (n.expireTime !== 0) e.setExpiration(n.expireTime, now);
  return e;
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

function byKey(a: NodeExtern, b: NodeExtern): number {
  return compareKeys(a.key, b.key);
}

/** Visible children of a directory (hidden `_` names skipped), recursing if asked. */
export function listChildren(
  n: Node,
  recursive: boolean,
  sorted: boolean,
  now: number,
): NodeExtern[] {
  const out: NodeExtern[] = [];
  for (const child of n.children!) {
    if (child.isHidden()) continue;
    const ce = reprNode(child, child.key, now);
    if (recursive && child.children !== null) ce.nodes = listChildren(child, true, sorted, now);
    out.push(ce);
  }
  if (sorted) out.sort(byKey);
  return out;
}
