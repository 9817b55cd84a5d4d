// Save and restore the whole store (tree, indexes, TTLs, event history, stats) in a compact
// binary form. Children keep their order, so a restored store answers identically.
import { Reader, Writer } from './codec-util.js';
import { type Action, NodeExtern, StoreEvent } from './event.js';
import { Node } from './node.js';
import { STAT_FIELDS } from './stats.js';
import type { Store } from './store.js';

const MAGIC = 0x45545332; // "ETS2"
const VERSION = 1;
const ACTIONS: Action[] = [
  'get',
  'create',
  'set',
  'update',
  'delete',
  'compareAndSwap',
  'compareAndDelete',
  'expire',
  'sync',
];

// Node flags.
const F_DIR = 1;
const F_TTL = 2;

function writeExtern(w: Writer, n: NodeExtern): void {
  w.str(n.key);
  w.byte((n.value !== null ? 1 : 0) | (n.dir ? 2 : 0) | (n.expiration !== 0 ? 4 : 0));
  if (n.value !== null) w.str(n.value);
  if (n.expiration !== 0) {
    w.f64(n.expiration);
    w.int(n.ttl);
  }
  w.uint(n.modifiedIndex);
  w.uint(n.createdIndex);
}

function readExtern(r: Reader): NodeExtern {
  const key = r.str();
  const f = r.byte();
  const value = f & 1 ? r.str() : null;
  let expiration = 0;
  let ttl = 0;
  if (f & 4) {
    expiration = r.f64();
    ttl = r.int();
  }
  const n = new NodeExtern(key, r.uint(), r.uint());
  n.value = value;
  n.dir = (f & 2) !== 0;
  n.expiration = expiration;
  n.ttl = ttl;
  return n;
}

export function saveStore(s: Store): Uint8Array {
  // Size the buffer up front (exact for ASCII data): growing a 100 MB buffer by doubling
  // costs more than writing it.
  let size = 1024;
  for (const n of s.nodes.values()) size += n.key.length + n.value.length + 40;
  size += s.hub.history.all().length * 256;
  const w = new Writer(size);
  w.uint(MAGIC);
  w.uint(VERSION);
  w.uint(s.index);
  for (const f of STAT_FIELDS) w.uint(s.stats[f]);
  // Tree, pre-order; the root is implicit. Full keys, so restored keys are flat strings.
  const writeChildren = (d: Node): void => {
    w.uint(d.children!.size);
    for (const c of d.children!) {
      w.str(c.key);
      const dir = c.children !== null;
      w.byte((dir ? F_DIR : 0) | (c.ttl !== null ? F_TTL : 0));
      w.uint(c.createdIndex);
      w.uint(c.modifiedIndex);
      if (c.ttl !== null) w.f64(c.ttl.expireTime);
      if (dir) writeChildren(c);
      else w.str(c.value);
    }
  };
  writeChildren(s.root);
  const events = s.hub.history.all();
  w.uint(events.length);
  for (const e of events) {
    w.byte(ACTIONS.indexOf(e.action));
    w.uint(e.etcdIndex);
    w.byte((e.refresh ? 1 : 0) | (e.prevNode !== null ? 2 : 0));
    writeExtern(w, e.node);
    if (e.prevNode !== null) writeExtern(w, e.prevNode);
  }
  return w.bytes();
}

export function restoreInto(s: Store, b: Uint8Array): void {
  const r = new Reader(b);
  if (r.uint() !== MAGIC) throw new Error('not a store snapshot (bad magic)');
  const version = r.uint();
  if (version !== VERSION) throw new Error(`unsupported store snapshot version ${version}`);
  s.index = r.uint();
  for (const f of STAT_FIELDS) s.stats[f] = r.uint();
  const readChildren = (d: Node): void => {
    const count = r.uint();
    const ch = d.children!;
    for (let i = 0; i < count; i++) {
      const key = r.str();
      const flags = r.byte();
      const created = r.uint();
      const modified = r.uint();
      const exp = flags & F_TTL ? r.f64() : 0;
      const dir = (flags & F_DIR) !== 0;
      const n = new Node(key, d, created, '', dir, exp);
      n.modifiedIndex = modified;
      ch.add(n);
      s.nodes.set(key, n);
      if (exp !== 0) s.ttlHeap.push(n);
      if (dir) readChildren(n);
      else n.value = r.str();
    }
  };
  readChildren(s.root);
  const count = r.uint();
  for (let i = 0; i < count; i++) {
    const action = ACTIONS[r.byte()];
    if (action === undefined) throw new Error(`bad event action at offset ${r.pos}`);
    const etcdIndex = r.uint();
    const f = r.byte();
    const e = new StoreEvent(action, '', 0, 0);
    e.etcdIndex = etcdIndex;
    e.refresh = (f & 1) !== 0;
    e.node = readExtern(r);
    if (f & 2) e.prevNode = readExtern(r);
    s.hub.history.add(e);
  }
  if (!r.done()) throw new Error(`trailing bytes in store snapshot at offset ${r.pos}`);
}
