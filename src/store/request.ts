// A v2 request as it travels through consensus (etcd 2.0's etcdserverpb.Request, field for
// field) and what a member does when it applies one: etcd 2.0's applyRequest decision table.
import { raftInternal } from './errors.js';
import { StoreEvent } from './event.js';
import { splitUnixNano } from '../pkg/go-time.js';
import type { Store, TTLOptions } from './store.js';

export type V2Method = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'QGET' | 'SYNC' | 'HEAD';

export interface V2Request {
  /** uint64 request ID as lowercase hex (etcd's member-prefixed generator); '' = 0. */
  id: string;
  /** Any string in entries Go wrote; the API sends the methods above. */
  method: string;
  path: string;
  val: string;
  dir: boolean;
  prevValue: string;
  prevIndex: number;
  prevExist: boolean | null;
  /** Absolute expiry in ns since the epoch (int64), 0n = none. */
  expiration: bigint;
  wait: boolean;
  since: number;
  recursive: boolean;
  sorted: boolean;
  quorum: boolean;
  /** SYNC: the leader's clock in ns since the epoch (int64). */
  time: bigint;
  stream: boolean;
}

/** A request with every field at its zero value (fill in what you need; '' to decode into). */
export function newRequest(method: V2Method | '', path: string): V2Request {
  return {
    id: '',
    method,
    path,
    val: '',
    dir: false,
    prevValue: '',
    prevIndex: 0,
    prevExist: null,
    expiration: 0n,
    wait: false,
    since: 0,
    recursive: false,
    sorted: false,
    quorum: false,
    time: 0n,
    stream: false,
  };
}

const NO_EXPIRY: TTLOptions = { expireTime: 0, expireNs: 0, refresh: false };

/** etcd's timeutil.UnixNanoToTime: 0 is "no expiry", anything else a time to the ns. */
function ttlOptions(r: V2Request): TTLOptions {
  if (r.expiration === 0n) return NO_EXPIRY;
  const t = splitUnixNano(r.expiration);
  return { expireTime: t.ms, expireNs: t.ns, refresh: false };
}

/** The store operation a committed request maps to (etcd 2.0's applyRequest, in order). */
export type StoreCall =
  | 'create-unique'
  | 'update'
  | 'compareAndSwap'
  | 'create'
  | 'set'
  | 'compareAndDelete'
  | 'delete'
  | 'get'
  | 'deleteExpired'
  | 'unknown';

export function storeCall(r: V2Request): StoreCall {
  switch (r.method) {
    case 'POST':
      return 'create-unique';
    case 'PUT':
      if (r.prevExist !== null) {
        if (r.prevExist) {
          return r.prevIndex === 0 && r.prevValue === '' ? 'update' : 'compareAndSwap';
        }
        return 'create';
      }
      if (r.prevIndex > 0 || r.prevValue !== '') return 'compareAndSwap';
      return 'set';
    case 'DELETE':
      return r.prevIndex > 0 || r.prevValue !== '' ? 'compareAndDelete' : 'delete';
    case 'QGET':
      return 'get';
    case 'SYNC':
      return 'deleteExpired';
    default:
      return 'unknown';
  }
}

/**
 * Applies a committed request to the store as etcd 2.0 does (throws EtcdError). `now` (ms)
 * only shapes the `ttl` shown in the result. SYNC expires keys at r.time and returns an
 * event with action "sync" (nothing to send). A plain GET (never in the log) reads.
 */
export function applyRequest(store: Store, r: V2Request, now: number): StoreEvent {
  if (r.method === 'GET' || r.method === 'HEAD') {
    return store.get(r.path, r.recursive, r.sorted, now);
  }
  switch (storeCall(r)) {
    case 'create-unique':
      return store.create(r.path, r.dir, r.val, true, ttlOptions(r), now);
    case 'update':
      return store.update(r.path, r.val, ttlOptions(r), now);
    case 'compareAndSwap':
      return store.compareAndSwap(r.path, r.prevValue, r.prevIndex, r.val, ttlOptions(r), now);
    case 'create':
      return store.create(r.path, r.dir, r.val, false, ttlOptions(r), now);
    case 'set':
      return store.set(r.path, r.dir, r.val, ttlOptions(r), now);
    case 'compareAndDelete':
      return store.compareAndDelete(r.path, r.prevValue, r.prevIndex, now);
    case 'delete':
      return store.delete(r.path, r.dir, r.recursive, now);
    case 'get':
      return store.get(r.path, r.recursive, r.sorted, now);
    case 'deleteExpired': {
      const t = splitUnixNano(r.time);
      store.deleteExpired(t.ms, t.ns);
      const e = new StoreEvent('sync', '/', store.index, 0);
      e.etcdIndex = store.index;
      return e;
    }
    default:
      // etcd answers ErrUnknownMethod and changes nothing.
      throw raftInternal(`etcdserver: unknown method`, store.index);
  }
}
