// The v2 store (etcd's v2store): its operations on the keyspace (keyspace.ts), each with its
// event, watcher notifications and stats. Pure and deterministic: every "now" (ms) is an
// argument; it only shapes the `ttl` shown in results. Expiry happens only in
// deleteExpired(now). Expiry times are kept to the nanosecond, as (ms, ns within the ms),
// like Go's time.Time. Nodes are found by full key in one index Map; directories hold the
// set of their children.
import {
  dirNotEmpty,
  EtcdError,
  nodeExist,
  notDir,
  notFile,
  rootReadOnly,
  testFailed,
} from './errors.js';
import type { JsonPull } from '../pkg/json-bytes.js';
import {
  type Action,
  listChildren,
  type NodeExtern,
  reprNode,
  StoreEvent,
  setFileValue,
  valueIsPlain,
} from './event.js';
import { EventHistory } from './history.js';
import { Node, ownString, TTLEntry } from './node.js';
import { cleanPath, inOrderName } from './path.js';
import { estimatedSize, restoreGoJSON, saveGoJSON, streamGoJSON } from './go-json.js';
import { type StatField, StoreStats, type StoreStatsJSON } from './stats.js';
import { Keyspace } from './keyspace.js';
import { type Watcher, WatcherHub } from './watcher.js';

/** Expiry times before 2000-01-01 mean "permanent" on create, as in etcd. */
const MIN_EXPIRE_TIME = 946684800000;
const MAX_KEYS = 16_000_000;

export interface TTLOptions {
  /** Absolute expiry in whole ms (floor), 0 with expireNs 0 = none. */
  expireTime: number;
  /** Nanoseconds within expireTime's ms (0..999999); absent = 0. */
  expireNs?: number;
  /** Keep the value, only reset the TTL; watchers are not told. */
  refresh: boolean;
}

export const NO_TTL: TTLOptions = { expireTime: 0, refresh: false };

/**
 * The event of a change to the existing node `n`, at store index `index`, with `n`'s view
 * before the change as prevNode. It names the node by its own key string (the text the
 * request's path cleans to): the history then keeps no string of a request's alive.
 */
function changeEvent(
  action: Action,
  n: Node,
  index: number,
  createdIndex: number,
  now: number,
): StoreEvent {
  const e = new StoreEvent(action, n.key, index, createdIndex);
  e.etcdIndex = index;
  e.prevNode = reprNode(n, n.key, now);
  return e;
}

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

export class Store extends Keyspace {
  readonly hub: WatcherHub;
  stats = new StoreStats();
  /** Saved in snapshots (etcd's CurrentVersion). */
  version = 2;

  constructor(history?: EventHistory, maxKeys = MAX_KEYS, namespaces: readonly string[] = []) {
    super(maxKeys, namespaces);
    this.hub = new WatcherHub(history ?? new EventHistory());
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
      ne.plain = valueIsPlain(n);
    }
    if (n.ttl !== null) ne.setExpiration(n.ttl.expireTime, n.ttl.expireNs, now);
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
      const ns = ttl.expireNs ?? 0;
      if (prev !== null && prev.children === null && prev.parent !== null) {
        e = this.replaceFile(prev, dir, value, ttl.expireTime, ns, now);
      } else {
        e = this.internalCreate(p, dir, value, false, true, ttl.expireTime, ns, 'set', now);
      }
      e.etcdIndex = this.index;
      return this.done(e, 'setsSuccess', ttl.refresh);
    } catch (err) {
      this.stats.setsFail++;
      throw err;
    }
  }

  /** A set over an existing file: the same as etcd's remove-and-create, done in place. */
  private replaceFile(
    n: Node,
    dir: boolean,
    value: string,
    expireTime: number,
    expireNs: number,
    now: number,
  ): StoreEvent {
    const next = this.index + 1;
    if (expireTime < MIN_EXPIRE_TIME) {
      expireTime = 0;
      expireNs = 0;
    }
    const e = changeEvent('set', n, next, next, now);
    if (n.ttl !== null) {
      this.ttlHeap.remove(n);
      n.ttl = null;
    }
    n.createdIndex = next;
    n.modifiedIndex = next;
    // etcd removes and re-creates the node; it stays in its place in the children set, and
    // listings order by createdIndex (see listChildren).
    if (dir) {
      n.value = '';
      // The old value's verdict is not wanted: let the old string go.
      n.plainValue = null;
      n.children = new Set();
      e.node.dir = true;
    } else setFileValue(n, e.node, value);
    if (expireTime !== 0) {
      n.ttl = new TTLEntry(expireTime, expireNs);
      this.ttlHeap.push(n);
      e.node.setExpiration(expireTime, expireNs, now);
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
      const e = this.internalCreate(
        path,
        dir,
        value,
        unique,
        false,
        ttl.expireTime,
        ttl.expireNs ?? 0,
        'create',
        now,
      );
      e.etcdIndex = this.index;
      return this.done(e, 'createSuccess');
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
    expireNs: number,
    action: Action,
    now: number,
  ): StoreEvent {
    const curr = this.index;
    const next = curr + 1;
    const p = unique ? cleanPath(`${path}/${inOrderName(next)}`) : cleanPath(path);
    if (this.readOnly(p)) throw rootReadOnly(curr);
    if (expireTime < MIN_EXPIRE_TIME) {
      expireTime = 0;
      expireNs = 0;
    }
    const old = this.nodes.get(p);
    if (old !== undefined) {
      if (!replace) throw nodeExist(p, curr);
      if (old.children !== null) throw notFile(p, curr);
      // Files are replaced in place by set(); this path is for a directory in the way.
    }
    if (this.nodes.size + 1 > this.maxKeys - 4096) this.checkRoom(p, curr);
    const d = this.parentDir(p, next, curr);
    const e = new StoreEvent(action, p, next, next);
    const n = new Node(ownString(p), d, next, dir ? '' : value, dir, expireTime, expireNs);
    if (dir) e.node.dir = true;
    else setFileValue(n, e.node, value);
    this.nodes.set(n.key, n);
    d.children!.add(n);
    if (expireTime !== 0) {
      this.ttlHeap.push(n);
      e.node.setExpiration(expireTime, expireNs, now);
    }
    this.index = next;
    return e;
  }

  update(path: string, value: string, ttl: TTLOptions, now: number): StoreEvent {
    const p = cleanPath(path);
    // etcd counts no failure for the read-only paths (nor in compareAndSwap and delete).
    if (this.readOnly(p)) throw rootReadOnly(this.index);
    try {
      const n = this.lookup(p);
      const next = this.index + 1;
      if (n.children !== null && value.length !== 0) throw notFile(p, this.index);
      if (ttl.refresh) value = n.value;
      const e = changeEvent('update', n, next, n.createdIndex, now);
      // As etcd: a directory's own modifiedIndex is not moved by an update.
      if (n.children === null) {
        setFileValue(n, e.node, value);
        n.modifiedIndex = next;
      } else {
        e.node.dir = true;
      }
      this.updateTTL(n, ttl.expireTime, ttl.expireNs ?? 0);
      if (n.ttl !== null) e.node.setExpiration(n.ttl.expireTime, n.ttl.expireNs, now);
      this.index = next;
      return this.done(e, 'updateSuccess', ttl.refresh);
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
    const p = cleanPath(path);
    if (this.readOnly(p)) throw rootReadOnly(this.index);
    try {
      const n = this.lookup(p);
      if (n.children !== null) throw notFile(p, this.index);
      if (!compareOK(n, prevValue, prevIndex)) {
        throw testFailed(compareFailCause(n, prevValue, prevIndex), this.index);
      }
      if (ttl.refresh) value = n.value;
      const next = ++this.index;
      const e = changeEvent('compareAndSwap', n, next, n.createdIndex, now);
      setFileValue(n, e.node, value);
      n.modifiedIndex = next;
      this.updateTTL(n, ttl.expireTime, ttl.expireNs ?? 0);
      if (n.ttl !== null) e.node.setExpiration(n.ttl.expireTime, n.ttl.expireNs, now);
      return this.done(e, 'compareAndSwapSuccess', ttl.refresh);
    } catch (err) {
      this.stats.compareAndSwapFail++;
      throw err;
    }
  }

  delete(path: string, dir: boolean, recursive: boolean, now: number): StoreEvent {
    const p = cleanPath(path);
    if (this.readOnly(p)) throw rootReadOnly(this.index);
    try {
      if (recursive) dir = true;
      const n = this.lookup(p);
      const next = this.index + 1;
      if (n.children !== null) {
        if (!dir) throw notFile(p, this.index);
        if (n.children.size !== 0 && !recursive) throw dirNotEmpty(p, this.index);
      }
      const e = changeEvent('delete', n, next, n.createdIndex, now);
      if (n.children !== null) e.node.dir = true;
      this.removeTree(n, e);
      this.index = next;
      return this.done(e, 'deleteSuccess');
    } catch (err) {
      this.stats.deleteFail++;
      throw err;
    }
  }

  compareAndDelete(path: string, prevValue: string, prevIndex: number, now: number): StoreEvent {
    try {
      const p = cleanPath(path);
      const n = this.lookup(p);
      if (n.children !== null) {
        // etcd counts this one as a failed compareAndSwap (its own slip; kept for the numbers).
        this.stats.compareAndSwapFail++;
        this.stats.compareAndDeleteFail--;
        throw notFile(p, this.index);
      }
      if (!compareOK(n, prevValue, prevIndex)) {
        throw testFailed(compareFailCause(n, prevValue, prevIndex), this.index);
      }
      const next = ++this.index;
      const e = changeEvent('compareAndDelete', n, next, n.createdIndex, now);
      this.removeTree(n, e);
      return this.done(e, 'compareAndDeleteSuccess');
    } catch (err) {
      this.stats.compareAndDeleteFail++;
      throw err;
    }
  }

  /**
   * Removes every node whose TTL ran out at `now` ms + `nowNs` ns (inclusive), each as an
   * `expire` event.
   */
  deleteExpired(now: number, nowNs = 0): StoreEvent[] {
    const out: StoreEvent[] = [];
    for (;;) {
      const n = this.ttlHeap.top();
      if (n === null) break;
      const t = n.ttl!;
      if (t.expireTime > now || (t.expireTime === now && t.expireNs > nowNs)) break;
      const next = ++this.index;
      // etcd's expire event says nothing of dir on its node (only prevNode does).
      const e = changeEvent('expire', n, next, n.createdIndex, now);
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

  /**
   * A write's end: the watchers are told of it (a TTL refresh only goes into the history) and
   * it counts as a success.
   */
  private done(e: StoreEvent, success: StatField, refresh = false): StoreEvent {
    if (!refresh) {
      this.hub.notify(e);
    } else {
      e.refresh = true;
      this.hub.addSilently(e);
    }
    this.stats[success]++;
    return e;
  }

  // ---- stats, snapshot ----

  watcherCount(): number {
    return this.hub.count;
  }

  statsJSON(): StoreStatsJSON {
    // As etcd: reading the stats records the watcher count, which snapshots then carry.
    this.stats.watchers = this.hub.count;
    return { ...this.stats };
  }

  /** The whole store (tree, indexes, TTLs, history, stats) as etcd 2.0's snapshot JSON. */
  save(): Uint8Array {
    return saveGoJSON(this);
  }

  /** save()'s bytes handed to `sink` in chunks (views valid only during the call). */
  saveTo(sink: (chunk: Uint8Array) => void): void {
    streamGoJSON(this, sink);
  }

  /** About save()'s length (more for ASCII text), without making it. */
  saveSizeHint(): number {
    return estimatedSize(this);
  }

  /** A store from snapshot bytes (etcd 2.0's JSON), whole or pulled; `namespaces` as for the constructor. */
  static restore(b: Uint8Array | JsonPull, namespaces: readonly string[] = []): Store {
    const s = new Store(undefined, MAX_KEYS, namespaces);
    restoreGoJSON(s, b);
    return s;
  }

  /** Replaces this store's contents with a snapshot's (etcd's Recovery); watchers are closed. */
  recovery(b: Uint8Array): void {
    const s = Store.restore(b, this.namespaces);
    this.hub.closeAll();
    this.index = s.index;
    this.version = s.version;
    this.root = s.root;
    this.nodes = s.nodes;
    this.ttlHeap = s.ttlHeap;
    this.stats = s.stats;
    this.hub.history.copyFrom(s.hub.history);
  }
}

export type { NodeExtern };
export { EtcdError };
