// The keyspace under the store: nodes by full key, lookups with etcd's internalGet errors,
// the room check against maxKeys and the TTL bookkeeping. store.ts runs etcd's operations
// on it, with their events, watchers and stats.
import { type EtcdError, keyNotFound, notDir, raftInternal } from './errors.js';
import { Node, TTLEntry } from './node.js';
import { cleanPath } from './path.js';
import { TTLHeap } from './ttl-heap.js';

export class Keyspace {
  /** The store index: the index of the last change. */
  index = 0;
  root: Node;
  /** Every node but the root, by full key. */
  nodes = new Map<string, Node>();
  ttlHeap = new TTLHeap();
  /** Most keys the store holds (V8's Map stops at 2^24 entries); past it, creates fail cleanly. */
  readonly maxKeys: number;
  /** Directories made at index 0 that no request may change (etcd's "/0" and "/1"). */
  readonly namespaces: readonly string[];

  constructor(maxKeys: number, namespaces: readonly string[]) {
    this.maxKeys = maxKeys;
    this.namespaces = namespaces;
    this.root = new Node('/', null, 0, '', true, 0);
    for (const ns of namespaces) {
      const n = new Node(ns, this.root, 0, '', true, 0);
      this.nodes.set(ns, n);
      this.root.children!.add(n);
    }
  }

  /** The root and the namespaces are read-only (etcd's readonlySet). */
  protected readOnly(p: string): boolean {
    return p === '/' || (this.namespaces.length !== 0 && this.namespaces.includes(p));
  }

  // Why the last tryLookup failed (no exceptions on the hot path: a missing key is common).
  protected missCode = 0;
  protected missCause = '';

  /** The node at a clean path, or null with missCode/missCause set as etcd's internalGet. */
  protected tryLookup(p: string): Node | null {
    const n = this.nodes.get(p);
    return n !== undefined ? n : this.lookupMiss(p);
  }

  /** The slow path of tryLookup, kept apart so that the fast path inlines. */
  protected lookupMiss(p: string): Node | null {
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

  protected missError(): EtcdError {
    return this.missCode === 104
      ? notDir(this.missCause, this.index)
      : keyNotFound(this.missCause, this.index);
  }

  /** The node at a clean path, or throws 100 / 104 as etcd's internalGet. */
  protected lookup(p: string): Node {
    const n = this.tryLookup(p);
    if (n === null) throw this.missError();
    return n;
  }

  /** The node at a path or null (no errors, no stats). */
  find(path: string): Node | null {
    return this.tryLookup(cleanPath(path));
  }

  /** Throws (changing nothing) when creating p and its missing parents would pass maxKeys. */
  protected checkRoom(p: string, curr: number): void {
    let missing = 1;
    for (let i = p.indexOf('/', 1); i > 0; i = p.indexOf('/', i + 1)) {
      if (!this.nodes.has(p.slice(0, i))) missing++;
    }
    if (this.nodes.size + missing > this.maxKeys) {
      throw raftInternal(`store is full (${this.maxKeys} keys)`, curr);
    }
  }

  protected updateTTL(n: Node, expireTime: number, expireNs: number): void {
    const t = n.ttl;
    const none = expireTime === 0 && expireNs === 0;
    if (t !== null) {
      if (none) {
        this.ttlHeap.remove(n);
        n.ttl = null;
      } else {
        t.expireTime = expireTime;
        t.expireNs = expireNs;
        this.ttlHeap.update(n);
      }
    } else if (!none) {
      n.ttl = new TTLEntry(expireTime, expireNs);
      this.ttlHeap.push(n);
    }
  }

  /** Number of keys (files and directories, the root excluded). */
  size(): number {
    return this.nodes.size;
  }
}
