// The one place that decides what of etcd 0.4's keyspace goes into our store, and how:
// 0.4's tree keeps every key, value, directory, hidden key, TTL (absolute expiry), index
// and its event history; `/_etcd/machines` and `/_etcd/config` stay as the hidden keys
// they were (2.0 keeps them under /1 too). Times arrive as ns (Go's precision) and are
// handed to the store in its unit (whole ms + ns within the ms) here, and only here.
import { splitUnixNano } from '../pkg/go-time.js';
import { STORE_KEYS_PREFIX, STORE_NAMESPACES } from '../server/membership-store.js';
import { type Action, EVENT_ACTIONS, NodeExtern, StoreEvent } from '../store/event.js';
import { Store, type TTLOptions } from '../store/store.js';
import { Node } from '../store/node.js';
import { STAT_FIELDS } from '../store/stats.js';
import { parseGoTime } from './go-time.js';

/** Where a 0.4 key lives in our store (Go 2.0 keeps users' keys under /1). */
export function storeKey(key4: string): string {
  return key4 === '/' ? STORE_KEYS_PREFIX : STORE_KEYS_PREFIX + key4;
}

/** A new, empty store shaped as the upgraded member's (namespaces /0 and /1). */
export function newStore(): Store {
  return new Store(undefined, undefined, STORE_NAMESPACES);
}

/** TTL options for an absolute expiry in ns (0n = none). */
export function ttlAt(ns: bigint): TTLOptions {
  const t = storeTimeNs(ns);
  return { expireTime: t.ms, expireNs: t.ns, refresh: false };
}

/** A time in ns (Go's) → the store's (whole ms since 1970, ns within the ms); 0n → (0, 0). */
export function storeTimeNs(ns: bigint): { ms: number; ns: number } {
  return splitUnixNano(ns);
}

/** A time in ns → whole ms since 1970 (floor), for "now"; 0n → 0. */
export function storeTime(ns: bigint): number {
  return splitUnixNano(ns).ms;
}

interface Node4 {
  Path: string;
  CreatedIndex: number;
  ModifiedIndex: number;
  ExpireTime: string;
  Value: string;
  Children: Record<string, Node4> | null;
}

interface Extern4 {
  key: string;
  value?: string;
  dir?: boolean;
  expiration?: string;
  ttl?: number;
  modifiedIndex: number;
  createdIndex: number;
}

interface Event4 {
  action: string;
  node: Extern4;
  prevNode?: Extern4 | null;
}

interface Store4 {
  Root: Node4;
  CurrentIndex: number;
  Stats?: Record<string, number>;
  WatcherHub?: {
    EventHistory?: {
      Queue?: { Events?: (Event4 | null)[]; Front?: number; Size?: number; Capacity?: number };
    };
  };
}

/** What 0.4's history can hold: any event but a read. */
const ACTIONS = new Set<Action>(EVENT_ACTIONS.filter((a) => a !== 'get'));
/** Actions after which the node lives on with the event's modifiedIndex. */
const WRITES = new Set(['create', 'set', 'update', 'compareAndSwap']);

/** 0.4's event history, oldest first. */
function events4(st: Store4): Event4[] {
  const q = st.WatcherHub?.EventHistory?.Queue;
  const evs = q?.Events ?? [];
  const cap = q?.Capacity ?? evs.length;
  const size = q?.Size ?? 0;
  const front = q?.Front ?? 0;
  const out: Event4[] = [];
  for (let i = 0; i < size && cap > 0; i++) {
    const e = evs[(front + i) % cap];
    if (e) out.push(e);
  }
  return out;
}

function externFrom4(x: Extern4, now: number): NodeExtern {
  const n = new NodeExtern(x.key, x.modifiedIndex, x.createdIndex);
  if (x.dir === true) n.dir = true;
  else n.value = x.value ?? '';
  if (x.expiration !== undefined) {
    const t = storeTimeNs(parseGoTime(x.expiration));
    n.setExpiration(t.ms, t.ns, now);
    // A past event shows the TTL it had when it happened, as 0.4 recorded it.
    if (typeof x.ttl === 'number') n.ttl = x.ttl;
  }
  return n;
}

/**
 * Our store holding 0.4's snapshot state. 0.4 writes every node's ModifiedIndex as its
 * CreatedIndex into a snapshot (its node.Clone loses it); the event history in the same
 * snapshot still has the real one for every key written in the last 1000 events.
 */
export function storeFromSnapshot4(state: unknown, now: number): Store {
  const st = state as Store4;
  if (typeof st !== 'object' || st === null || typeof st.Root !== 'object' || st.Root === null) {
    throw new Error('the 0.4 store state has no Root');
  }
  const history = events4(st);
  const modified = new Map<string, number>();
  for (const e of history) {
    if (!WRITES.has(e.action) || !e.node) continue;
    const k = `${e.node.key}\0${e.node.createdIndex}`;
    modified.set(k, Math.max(modified.get(k) ?? 0, e.node.modifiedIndex));
  }
  const s = newStore();
  const add = (parent: Node, n4: Node4): void => {
    const dir = n4.Children !== null && n4.Children !== undefined;
    const t = storeTimeNs(parseGoTime(n4.ExpireTime));
    const n = new Node(
      storeKey(n4.Path),
      parent,
      n4.CreatedIndex,
      dir ? '' : (n4.Value ?? ''),
      dir,
      t.ms,
      t.ns,
    );
    n.modifiedIndex = Math.max(
      n4.ModifiedIndex,
      modified.get(`${n4.Path}\0${n4.CreatedIndex}`) ?? 0,
    );
    parent.children!.add(n);
    s.nodes.set(n.key, n);
    if (n.ttl !== null) s.ttlHeap.push(n);
    if (dir) for (const c of sortedChildren(n4)) add(n, c);
  };
  const keys = s.nodes.get(STORE_KEYS_PREFIX)!;
  keys.createdIndex = st.Root.CreatedIndex;
  keys.modifiedIndex = st.Root.ModifiedIndex;
  for (const c of sortedChildren(st.Root)) add(keys, c);
  s.index = st.CurrentIndex;
  for (const f of STAT_FIELDS) {
    const v = st.Stats?.[f];
    if (typeof v === 'number') s.stats[f] = v;
  }
  for (const e4 of history) {
    if (!ACTIONS.has(e4.action as Action) || !e4.node) continue;
    const e = new StoreEvent(e4.action as Action, '', 0, 0);
    e.node = externFrom4(e4.node, now);
    if (e4.prevNode) e.prevNode = externFrom4(e4.prevNode, now);
    e.node.key = storeKey(e.node.key);
    if (e.prevNode) e.prevNode.key = storeKey(e.prevNode.key);
    e.etcdIndex = e4.node.modifiedIndex;
    s.hub.history.add(e);
  }
  return s;
}

/** Children by name, as Go lists a map (byte order). */
function sortedChildren(n: Node4): Node4[] {
  const c = n.Children ?? {};
  return Object.keys(c)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map((k) => c[k]!);
}
