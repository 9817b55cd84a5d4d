// The v2 keyspace (etcd's v2store): pure and deterministic. Every "now" (ms) is an argument;
// it only shapes the `ttl` shown in results. Expiry happens only in deleteExpired(now).
import {
  EtcdError,
  dirNotEmpty,
  keyNotFound,
  nodeExist,
  notDir,
  notFile,
  rootReadOnly,
  testFailed,
} from './errors.js';
import { type Action, type NodeExtern, StoreEvent, listChildren, reprNode } from './event.js';
import { EventHistory } from './history.js';
import { Node } from './node.js';
import { cleanPath, inOrderName } from './path.js';
import { restoreInto, saveStore } from './snapshot.js';
import { StoreStats, type StoreStatsJSON } from './stats.js';
import { TTLHeap } from './ttl-heap.js';
import { type Watcher, WatcherHub } from './watcher.js';

/** Expiry times before 2000-01-01 mean "permanent" on create, as in etcd. */
const MIN_EXPIRE_TIME = 946684800000;

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

export class Store {
  /** The store index: the index of the last change. */
  index = 0;
  root: Node;
  readonly hub: WatcherHub;
  ttlHeap = new TTLHeap();
  stats = new StoreStats();

  constructor(history?: EventHistory) {
    this.root = new Node('', null, 0, '', true, 0);
    this.hub = new WatcherHub(history ?? new EventHistory());
  }

  // ---- lookups ----

  /** The node at a clean path, or throws 100 / 104 as etcd's internalGet. */
  private lookup(p: string): Node {
    let n = this.root;
    let start = 1;
    const len = p.length;
    while (start < len) {
      let end = p.indexOf('/', start);
      if (end < 0) end = len;
      const ch = n.children;
      if (ch === null) throw notDir(start === 1 ? '/' : p.slice(0, start - 1), this.index);
      const c = ch.get(p.slice(start, end));
      if (c === undefined) throw keyNotFound(p.slice(0, end), this.index);
      n = c;
      start = end + 1;
    }
    return n;
  }

  /** The node at a path or null (no errors, no stats). */
  find(path: string): Node | null {
    try {
      return this.lookup(cleanPath(path));
    } catch {
      return null;
    }
  }

  get(path: string, recursive: boolean, sorted: boolean, now: number): StoreEvent {
    const p = cleanPath(path);
    let n: Node;
    try {
      n = this.lookup(p);
    } catch (e) {
      this.stats.getsFail++;
      throw e;
    }
    const e = new StoreEvent('get', p, n.modifiedIndex, n.createdIndex);
    e.etcdIndex = this.index;
    const ne = e.node;
    if (n.children !== null) {
      ne.dir = true;
      ne.nodes = listChildren(n, p, recursive, sorted, now);
    } else {
      ne.value = n.value;
    }
    if (n.expireTime !== 0) ne.setExpiration(n.expireTime, now);
    this.stats.getsSuccess++;
    return e;
  }

  // ---- writes ----

  set(path: string, dir: boolean, value: string, ttl: TTLOptions, now: number): StoreEvent {
    try {
      const p = cleanPath(path);
      let prev: Node | null = null;
      let missing: EtcdError | null = null;
      try {
        prev = this.lookup(p);
      } catch (err) {
        if ((err as EtcdError).errorCode !== 100) throw err;
        missing = err as EtcdError;
      }
      if (ttl.refresh) {
        if (prev === null) throw missing!;
        value = prev.value;
      }
      const prevView = prev !== null ? reprNode(prev, p, now) : null;
      const e = this.internalCreate(p, dir, value, false, true, ttl.expireTime, 'set', now);
      e.etcdIndex = this.index;
      e.prevNode = prevView;
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
    // Walk to the parent, creating directories on the way (etcd's walk with checkDir).
    const cut = p.lastIndexOf('/');
    let d = this.root;
    let start = 1;
    while (start < cut) {
      const end = p.indexOf('/', start);
      const name = p.slice(start, end);
      let c = d.children!.get(name);
      if (c === undefined) {
        c = new Node(name, d, next, '', true, 0);
        d.children!.set(name, c);
      } else if (c.children === null) {
        this.stats.setsFail++; // etcd counts a failed walk here too
        throw notDir(p.slice(0, end), curr);
      }
      d = c;
      start = end + 1;
    }
    const name = p.slice(cut + 1);
    const e = new StoreEvent(action, p, next, next);
    const old = d.children!.get(name);
    if (old !== undefined) {
      if (!replace) throw nodeExist(p, curr);
      if (old.children !== null) throw notFile(p, curr);
      e.prevNode = reprNode(old, p, now);
      this.detach(old);
    }
    const n = new Node(name, d, next, dir ? '' : value, dir, expireTime);
    if (dir) e.node.dir = true;
    else e.node.value = value;
    d.children!.set(name, n);
    if (expireTime !== 0) {
      this.ttlHeap.push(n);
      e.node.setExpiration(expireTime, now);
    }
    this.index = next;
    return e;
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
      if (n.expireTime !== 0) e.node.setExpiration(n.expireTime, now);
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
      if (
        !(
          (prevIndex === 0 || n.modifiedIndex === prevIndex) &&
          (prevValue === '' || n.value === prevValue)
        )
      ) {
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
      if (n.expireTime !== 0) e.node.setExpiration(n.expireTime, now);
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
      this.removeTree(n, p, e);
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
      if (
        !(
          (prevIndex === 0 || n.modifiedIndex === prevIndex) &&
          (prevValue === '' || n.value === prevValue)
        )
      ) {
        throw testFailed(compareFailCause(n, prevValue, prevIndex), this.index);
      }
      const next = ++this.index;
      const e = new StoreEvent('compareAndDelete', p, next, n.createdIndex);
      e.etcdIndex = next;
      e.prevNode = reprNode(n, p, now);
      this.removeTree(n, p, e);
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
      if (n === null || n.expireTime > now) break;
      const next = ++this.index;
      const p = n.path();
      const e = new StoreEvent('expire', p, next, n.createdIndex);
      e.etcdIndex = next;
      e.prevNode = reprNode(n, p, now);
      if (n.children !== null) e.node.dir = true;
      this.removeTree(n, p, e);
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
    if (n.expireTime !== 0) {
      n.expireTime = expireTime;
      if (expireTime === 0) this.ttlHeap.remove(n);
      else this.ttlHeap.update(n);
    } else if (expireTime !== 0) {
      n.expireTime = expireTime;
      this.ttlHeap.push(n);
    }
  }

  /** Unlinks a node (no watchers told): used when a set replaces a file. */
  private detach(n: Node): void {
    n.parent!.children!.delete(n.name);
    if (n.heapPos >= 0) this.ttlHeap.remove(n);
  }

  /** Removes a node and everything under it, telling watchers on each removed path. */
  private removeTree(n: Node, p: string, e: StoreEvent): void {
    const tell = this.hub.count > 0;
    this.removeRec(n, p, e, tell);
  }

  private removeRec(n: Node, p: string, e: StoreEvent, tell: boolean): void {
    if (n.children !== null) {
      for (const c of n.children.values())
        this.removeRec(c, p === '/' ? `/${c.name}` : `${p}/${c.name}`, e, tell);
    }
    if (n.parent !== null && n.parent.children!.get(n.name) === n)
      n.parent.children!.delete(n.name);
    if (tell) this.hub.notifyWatchers(e, p, true);
    if (n.heapPos >= 0) this.ttlHeap.remove(n);
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
    this.ttlHeap = s.ttlHeap;
    this.stats = s.stats;
    this.hub.history.copyFrom(s.hub.history);
  }

  /** Total keys (files and directories, the root excluded). */
  size(): number {
    let count = 0;
    const stack: Node[] = [this.root];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n.children !== null)
        for (const c of n.children.values()) {
          count++;
          stack.push(c);
        }
    }
    return count;
  }
}

export type { NodeExtern };
export { EtcdError };
