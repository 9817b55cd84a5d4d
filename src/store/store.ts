// Over 500 lines: one data structure (the keyspace with its index, TTLs and watch hub) whose operations share its invariants.
// The v2 keyspace (etcd's v2store): pure and deterministic. Every "now" (ms) is an argument;
// it only shapes the `ttl` shown in results. Expiry happens only in deleteExpired(now).
// Nodes are found by full key in one index Map; directories hold the set of their children.
import {
  dirNotEmpty,
  EtcdError,
  keyNotFound,
  nodeExist,
  notDir,
  notFile,
  raftInternal,
  rootReadOnly,
  testFailed,
} from './errors.js';
import { type Action, listChildren, type NodeExtern, reprNode, StoreEvent } from './event.js';
import { EventHistory } from './history.js';
import { Node, ownString, TTLEntry } from './node.js';
import { cleanPath, inOrderName } from './path.js';
import { restoreInto, saveStore } from './snapshot.js';
import { StoreStats, type StoreStatsJSON } from './stats.js';
import { TTLHeap } from './ttl-heap.js';
import { type Watcher, WatcherHub } from './watcher.js';

/** Expiry times before 2000-01-01 mean "permanent" on create, as in etcd. */
const MIN_EXPIRE_TIME = 946684800000;
const MAX_KEYS = 16_000_000;

export interface TTLOptions {
  /** Absolute expiry in ms, 0 = none. */
  expireTime: number;
  /** Keep the value, only reset the TTL; watchers are not told. */
  refresh: boolean;
}

export const NO_TTL: TTLOptions = { expireTime: 0, refresh: false };

function compareFailCause(n: Node, prevValue: string, prevIndex: number): string {
  const indexMatch = prevIndex === 0 || n.modifiedIndex === prevIndex;
  const valueMatch = prevValue === '' || n.value === prevValue;
  if (valueMatch && !indexMatch) return `[${prevIndex} != ${n.modifiedIndex}]`;
  if (indexMatch && !valueMatch) return `[${prevValue} != ${n.value}]`;
  return `[${prevValue} != ${n.value}] [${prevIndex} != ${n.modifiedIndex}]`;
}

function compareOK(n: Node, prevValue: string, prevIndex: number): boolean {
  return (
    (prevIndex === 0 || n.modifiedIndex === prevIndex) &&
    (prevValue === '' || n.value === prevValue)
  );
}

export class Store {
  /** The store index: the index of the last change. */
  index = 0;
  root: Node;
  /** Every node but the root, by full key. */
  nodes = new Map<string, Node>();
  readonly hub: WatcherHub;
  ttlHeap = new TTLHeap();
  stats = new StoreStats();

  /** Most keys the store holds (V8's Map stops at 2^24 entries); past it, creates fail cleanly. */
  readonly maxKeys: number;

  constructor(history?: EventHistory, maxKeys = MAX_KEYS) {
    this.maxKeys = maxKeys;
    this.root = new Node('/', null, 0, '', true, 0);
    this.hub = new WatcherHub(history ?? new EventHistory());
  }

  // ---- lookups ----

  // Why the last tryLookup failed (no exceptions on the hot path: a missing key is common).
  private missCode = 0;
  private missCause = '';

  /** The node at a clean path, or null with missCode/missCause set as etcd's internalGet. */
  private tryLookup(p: string): Node | null {
    const n = this.nodes.get(p);
    return n !== undefined ? n : this.lookupMiss(p);
  }

  /** The slow path of tryLookup, kept apart so that the fast path inlines. */
  private lookupMiss(p: string): Node | null {
    if (p === '/') return this.root;
    // Find what is missing: the first absent element, or a file on the way.
    let d = this.root;
    let i = p.indexOf('/', 1);
    for (;;) {
      const prefix = i < 0 ? p : p.slice(0, i);
      const c = this.nodes.get(prefix);
      if (c === undefined) {
        this.missCode = 100;
        this.missCause = prefix;
        return null;
      }
      if (c.children === null && i >= 0) {
        this.missCode = 104;
        this.missCause = c.key;
        return null;
      }
      d = c;
      if (i < 0) return d;
      i = p.indexOf('/', i + 1);
    }
  }

  private missError(): EtcdError {
    return this.missCode === 104
      ? notDir(this.missCause, this.index)
      : keyNotFound(this.missCause, this.index);
  }

  /** The node at a clean path, or throws 100 / 104 as etcd's internalGet. */
  private lookup(p: string): Node {
    const n = this.tryLookup(p);
    if (n === null) throw this.missError();
    return n;
  }

  /** The node at a path or null (no errors, no stats). */
  find(path: string): Node | null {
    return this.tryLookup(cleanPath(path));
  }

  get(path: string, recursive: boolean, sorted: boolean, now: number): StoreEvent {
    // Every indexed key is clean, so a hit on the raw path needs no cleaning.
    let n = this.nodes.get(path) ?? null;
    const p = n !== null ? path : cleanPath(path);
    if (n === null) n = this.tryLookup(p);
    if (n === null) {
      this.stats.getsFail++;
      throw this.missError();
    }
    const e = new StoreEvent('get', p, n.modifiedIndex, n.createdIndex);
    e.etcdIndex = this.index;
    const ne = e.node;
    if (n.children !== null) {
      ne.dir = true;
      ne.nodes = listChildren(n, recursive, sorted, now);
    } else {
      ne.value = n.value;
    }
    if (n.ttl !== null) ne.setExpiration(n.ttl.expireTime, now);
    this.stats.getsSuccess++;
    return e;
  }

  // ---- writes ----

  set(path: string, dir: boolean, value: string, ttl: TTLOptions, now: number): StoreEvent {
    try {
      let prev = this.nodes.get(path) ?? null;
      const p = prev !== null ? path : cleanPath(path);
      if (prev === null) prev = this.tryLookup(p);
      if (prev === null && this.missCode !== 100) throw this.missError();
      if (ttl.refresh) {
        if (prev === null) throw this.missError();
        value = prev.value;
      }
      let e: StoreEvent;
      if (prev !== null && prev.children === null && prev.parent !== null) {
        e = this.replaceFile(prev, p, dir, value, ttl.expireTime, now);
      } else {
        e = this.internalCreate(p, dir, value, false, true, ttl.expireTime, 'set', now);
      }
      e.etcdIndex = this.index;
      if (!ttl.refresh) this.hub.notify(e);
      else {
        e.refresh = true;
        this.hub.addSilently(e);
      }
      this.stats.setsSuccess++;
      return e;
    } catch (err) {
      this.stats.setsFail++;
      throw err;
    }
  }

  /** A set over an existing file: the same as etcd's remove-and-create, done in place. */
  private replaceFile(
    n: Node,
    p: string,
    dir: boolean,
    value: string,
    expireTime: number,
    now: number,
  ): StoreEvent {
    const next = this.index + 1;
    if (expireTime < MIN_EXPIRE_TIME) expireTime = 0;
    const e = new StoreEvent('set', p, next, next);
    e.prevNode = reprNode(n, p, now);
    if (n.ttl !== null) {
      this.ttlHeap.remove(n);
      n.ttl = null;
    }
    n.createdIndex = next;
    n.modifiedIndex = next;
    if (dir) {
      n.value = '';
      n.children = new Set();
      e.node.dir = true;
    } else {
      n.value = value;
      e.node.value = value;
    }
    if (expireTime !== 0) {
      n.ttl = new TTLEntry(expireTime);
      this.ttlHeap.push(n);
      e.node.setExpiration(expireTime, now);
    }
    this.index = next;
    return e;
  }

  /** Create (prevExist=false), or an in-order key under `path` when `unique`. */
  create(
    path: string,
    dir: boolean,
    value: string,
    unique: boolean,
    ttl: TTLOptions,
    now: number,
  ): StoreEvent {
    try {
      const e = this.internalCreate(path, dir, value, unique, false, ttl.expireTime, 'create', now);
      e.etcdIndex = this.index;
      this.hub.notify(e);
      this.stats.createSuccess++;
      return e;
    } catch (err) {
      this.stats.createFail++;
      throw err;
    }
  }

  /** The directory that holds `p`, created along the way if missing (etcd's walk with checkDir). */
  private parentDir(p: string, next: number, curr: number): Node {
    const cut = p.lastIndexOf('/');
    if (cut === 0) return this.root;
    const dp = p.slice(0, cut);
    const d = this.nodes.get(dp);
    if (d !== undefined && d.children !== null) return d;
    let parent = this.root;
    let i = p.indexOf('/', 1);
    while (i > 0 && i <= cut) {
      const prefix = p.slice(0, i);
      let c = this.nodes.get(prefix);
      if (c === undefined) {
        c = new Node(ownString(prefix), parent, next, '', true, 0);
        this.nodes.set(c.key, c);
        parent.children!.add(c);
      } else if (c.children === null) {
        this.stats.setsFail++; // etcd counts a failed walk here too
        throw notDir(c.key, curr);
      }
      parent = c;
      i = p.indexOf('/', i + 1);
    }
    return parent;
  }

  private internalCreate(
    path: string,
    dir: boolean,
    value: string,
    unique: boolean,
    replace: boolean,
    expireTime: number,
    action: Action,
    now: number,
  ): StoreEvent {
    const curr = this.index;
    const next = curr + 1;
    const p = unique ? cleanPath(`${path}/${inOrderName(next)}`) : cleanPath(path);
    if (p === '/') throw rootReadOnly(curr);
    if (expireTime < MIN_EXPIRE_TIME) expireTime = 0;
    const old = this.nodes.get(p);
    if (old !== undefined) {
      if (!replace) throw nodeExist(p, curr);
      if (old.children !== null) throw notFile(p, curr);
      // Files are replaced in place by set(); this path is for a directory in the way.
    }
    if (this.nodes.size + 1 > this.maxKeys - 4096) this.checkRoom(p, curr);
    const d = this.parentDir(p, next, curr);
    const e = new StoreEvent(action, p, next, next);
    const n = new Node(ownString(p), d, next, dir ? '' : value, dir, expireTime);
    if (dir) e.node.dir = true;
    else e.node.value = value;
    this.nodes.set(n.key, n);
    d.children!.add(n);
    if (expireTime !== 0) {
      this.ttlHeap.push(n);
      e.node.setExpiration(expireTime, now);
    }
    this.index = next;
    return e;
  }

  /** Throws (changing nothing) when creating p and its missing parents would pass maxKeys. */
  private checkRoom(p: string, curr: number): void {
    let missing = 1;
    for (let i = p.indexOf('/', 1); i > 0; i = p.indexOf('/', i + 1)) {
      if (!this.nodes.has(p.slice(0, i))) missing++;
    }
    if (this.nodes.size + missing > this.maxKeys) {
      throw raftInternal(`store is full (${this.maxKeys} keys)`, curr);
    }
  }

  update(path: string, value: string, ttl: TTLOptions, now: number): StoreEvent {
    try {
      const p = cleanPath(path);
      if (p === '/') throw rootReadOnly(this.index);
      const n = this.lookup(p);
      const next = this.index + 1;
      if (n.children !== null && value.length !== 0) throw notFile(p, this.index);
      if (ttl.refresh) value = n.value;
      const e = new StoreEvent('update', p, next, n.createdIndex);
      e.etcdIndex = next;
      e.prevNode = reprNode(n, p, now);
      // As etcd: a directory's own modifiedIndex is not moved by an update.
      if (n.children === null) {
        n.value = value;
        n.modifiedIndex = next;
        e.node.value = value;
      } else {
        e.node.dir = true;
      }
      this.updateTTL(n, ttl.expireTime);
      if (n.ttl !== null) e.node.setExpiration(n.ttl.expireTime, now);
      this.index = next;
      if (!ttl.refresh) this.hub.notify(e);
      else {
        e.refresh = true;
        this.hub.addSilently(e);
      }
      this.stats.updateSuccess++;
      return e;
    } catch (err) {
      this.stats.updateFail++;
      throw err;
    }
  }

  compareAndSwap(
    path: string,
    prevValue: string,
    prevIndex: number,
    value: string,
    ttl: TTLOptions,
    now: number,
  ): StoreEvent {
    try {
      const p = cleanPath(path);
      if (p === '/') throw rootReadOnly(this.index);
      const n = this.lookup(p);
      if (n.children !== null) throw notFile(p, this.index);
      if (!compareOK(n, prevValue, prevIndex)) {
        throw testFailed(compareFailCause(n, prevValue, prevIndex), this.index);
      }
      if (ttl.refresh) value = n.value;
      const next = ++this.index;
      const e = new StoreEvent('compareAndSwap', p, next, n.createdIndex);
      e.etcdIndex = next;
      e.prevNode = reprNode(n, p, now);
      n.value = value;
      n.modifiedIndex = next;
      this.updateTTL(n, ttl.expireTime);
      e.node.value = value;
      if (n.ttl !== null) e.node.setExpiration(n.ttl.expireTime, now);
      if (!ttl.refresh) this.hub.notify(e);
      else {
        e.refresh = true;
        this.hub.addSilently(e);
      }
      this.stats.compareAndSwapSuccess++;
      return e;
    } catch (err) {
      this.stats.compareAndSwapFail++;
      throw err;
    }
  }

  delete(path: string, dir: boolean, recursive: boolean, now: number): StoreEvent {
    try {
      const p = cleanPath(path);
      if (p === '/') throw rootReadOnly(this.index);
      if (recursive) dir = true;
      const n = this.lookup(p);
      const next = this.index + 1;
      if (n.children !== null) {
        if (!dir) throw notFile(p, this.index);
        if (n.children.size !== 0 && !recursive) throw dirNotEmpty(p, this.index);
      }
      const e = new StoreEvent('delete', p, next, n.createdIndex);
      e.etcdIndex = next;
      e.prevNode = reprNode(n, p, now);
      if (n.children !== null) e.node.dir = true;
      this.removeTree(n, e);
      this.index = next;
      this.hub.notify(e);
      this.stats.deleteSuccess++;
      return e;
    } catch (err) {
      this.stats.deleteFail++;
      throw err;
    }
  }

  compareAndDelete(path: string, prevValue: string, prevIndex: number, now: number): StoreEvent {
    try {
      const p = cleanPath(path);
      const n = this.lookup(p);
      // The reference's cause for its root is its trimmed internal path: empty.
      if (n.children !== null) throw notFile(p === '/' ? '' : p, this.index);
      if (!compareOK(n, prevValue, prevIndex)) {
        throw testFailed(compareFailCause(n, prevValue, prevIndex), this.index);
      }
      const next = ++this.index;
      const e = new StoreEvent('compareAndDelete', p, next, n.createdIndex);
      e.etcdIndex = next;
      e.prevNode = reprNode(n, p, now);
      this.removeTree(n, e);
      this.hub.notify(e);
      this.stats.compareAndDeleteSuccess++;
      return e;
    } catch (err) {
      this.stats.compareAndDeleteFail++;
      throw err;
    }
  }

  /** Removes every node whose TTL ran out at `now` (inclusive), each as an `expire` event. */
  deleteExpired(now: number): StoreEvent[] {
    const out: StoreEvent[] = [];
    for (;;) {
      const n = this.ttlHeap.top();
      if (n === null || n.ttl!.expireTime > now) break;
      const next = ++this.index;
      const p = n.key;
      const e = new StoreEvent('expire', p, next, n.createdIndex);
      e.etcdIndex = next;
      e.prevNode = reprNode(n, p, now);
      if (n.children !== null) e.node.dir = true;
      this.removeTree(n, e);
      this.stats.expireCount++;
      this.hub.notify(e);
      out.push(e);
    }
    return out;
  }

  // ---- watches ----

  /** A watcher from `sinceIndex` (0 = the next change). Throws 401 if the index was cleared. */
  watch(path: string, recursive: boolean, stream: boolean, sinceIndex: number): Watcher {
    const p = cleanPath(path);
    const since = sinceIndex === 0 ? this.index + 1 : sinceIndex;
    return this.hub.watch(p, recursive, stream, since, this.index);
  }

  // ---- internals ----

  private updateTTL(n: Node, expireTime: number): void {
    const t = n.ttl;
    if (t !== null) {
      if (expireTime === 0) {
        this.ttlHeap.remove(n);
        n.ttl = null;
      } else {
        t.expireTime = expireTime;
        this.ttlHeap.update(n);
      }
    } else if (expireTime !== 0) {
      n.ttl = new TTLEntry(expireTime);
      this.ttlHeap.push(n);
    }
  }

  /** Removes a node and everything under it, telling watchers on each removed path. */
  private removeTree(n: Node, e: StoreEvent): void {
    n.parent!.children!.delete(n);
    this.removeRec(n, e, this.hub.count > 0);
  }

  private removeRec(n: Node, e: StoreEvent, tell: boolean): void {
    if (n.children !== null) for (const c of n.children) this.removeRec(c, e, tell);
    this.nodes.delete(n.key);
    if (tell) this.hub.notifyWatchers(e, n.key, true);
    if (n.ttl !== null) this.ttlHeap.remove(n);
  }

  // ---- stats, snapshot ----

  watcherCount(): number {
    return this.hub.count;
  }

  statsJSON(): StoreStatsJSON {
    return { ...this.stats, watchers: this.hub.count };
  }

  /** The whole store (tree, indexes, TTLs, history, stats) as bytes. */
  save(): Uint8Array {
    return saveStore(this);
  }

  static restore(b: Uint8Array): Store {
    const s = new Store();
    restoreInto(s, b);
    return s;
  }

  /** Replaces this store's contents with a snapshot's (etcd's Recovery); watchers are closed. */
  recovery(b: Uint8Array): void {
    const s = Store.restore(b);
    this.hub.closeAll();
    this.index = s.index;
    this.root = s.root;
    this.nodes = s.nodes;
    this.ttlHeap = s.ttlHeap;
    this.stats = s.stats;
    this.hub.history.copyFrom(s.hub.history);
  }

  /** Number of keys (files and directories, the root excluded). */
  size(): number {
    return this.nodes.size;
  }
}

export type { NodeExtern };
export { EtcdError };
