// A v2 request as it travels through consensus, its compact binary form, and what a member
// does when it applies one (etcd's applierV2store).
import { Reader, Writer } from './codec-util.js';
import { raftInternal } from './errors.js';
import { StoreEvent } from './event.js';
import type { Store, TTLOptions } from './store.js';

export type V2Method = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'QGET' | 'SYNC';

export interface V2Request {
  id: string;
  method: V2Method;
  path: string;
  val: string;
  dir: boolean;
  prevValue: string;
  prevIndex: number;
  prevExist: boolean | null;
  /** Absolute expiry in ms, 0 = none. */
  expiration: number;
  wait: boolean;
  since: number;
  recursive: boolean;
  sorted: boolean;
  quorum: boolean;
  stream: boolean;
  /** SYNC: the leader's clock in ms. */
  time: number;
  /** `refresh=true`: reset the TTL, keep the value, tell no watcher (etcd 2.3+). */
  refresh?: boolean;
}

/** A request with every field at its zero value (fill in what you need). */
export function newRequest(method: V2Method, path: string): V2Request {
  return {
    id: '',
    method,
    path,
    val: '',
    dir: false,
    prevValue: '',
    prevIndex: 0,
    prevExist: null,
    expiration: 0,
    wait: false,
    since: 0,
    recursive: false,
    sorted: false,
    quorum: false,
    stream: false,
    time: 0,
    refresh: false,
  };
}

const METHODS: V2Method[] = ['GET', 'PUT', 'POST', 'DELETE', 'QGET', 'SYNC'];
const FORMAT = 1;

// Flag bits.
const DIR = 1;
const WAIT = 2;
const RECURSIVE = 4;
const SORTED = 8;
const QUORUM = 16;
const STREAM = 32;
const PREV_EXIST_SET = 64;
const PREV_EXIST = 128;
const REFRESH = 256;

export function encodeRequest(r: V2Request): Uint8Array {
  const w = new Writer(32 + r.path.length + r.val.length + r.prevValue.length + r.id.length);
  w.byte(FORMAT);
  const m = METHODS.indexOf(r.method);
  if (m < 0) throw new Error(`unknown v2 method ${r.method}`);
  w.byte(m);
  let f = 0;
  if (r.dir) f |= DIR;
  if (r.wait) f |= WAIT;
  if (r.recursive) f |= RECURSIVE;
  if (r.sorted) f |= SORTED;
  if (r.quorum) f |= QUORUM;
  if (r.stream) f |= STREAM;
  if (r.prevExist !== null) f |= PREV_EXIST_SET | (r.prevExist ? PREV_EXIST : 0);
  if (r.refresh === true) f |= REFRESH;
  w.uint(f);
  w.str(r.id);
  w.str(r.path);
  w.str(r.val);
  w.str(r.prevValue);
  w.uint(r.prevIndex);
  w.uint(r.since);
  // Times may carry sub-millisecond parts.
  if (r.expiration === 0 && r.time === 0) w.byte(0);
  else {
    w.byte(1);
    w.f64(r.expiration);
    w.f64(r.time);
  }
  return w.bytes().slice();
}

export function decodeRequest(b: Uint8Array): V2Request {
  const rd = new Reader(b);
  const format = rd.byte();
  if (format !== FORMAT) throw new Error(`unknown v2 request format ${format}`);
  const method = METHODS[rd.byte()];
  if (method === undefined) throw new Error('unknown v2 request method');
  const f = rd.uint();
  const id = rd.str();
  const path = rd.str();
  const val = rd.str();
  const prevValue = rd.str();
  const prevIndex = rd.uint();
  const since = rd.uint();
  let expiration = 0;
  let time = 0;
  if (rd.byte() === 1) {
    expiration = rd.f64();
    time = rd.f64();
  }
  if (!rd.done()) throw new Error('trailing bytes in v2 request');
  return {
    id,
    method,
    path,
    val,
    dir: (f & DIR) !== 0,
    prevValue,
    prevIndex,
    prevExist: f & PREV_EXIST_SET ? (f & PREV_EXIST) !== 0 : null,
    expiration,
    wait: (f & WAIT) !== 0,
    since,
    recursive: (f & RECURSIVE) !== 0,
    sorted: (f & SORTED) !== 0,
    quorum: (f & QUORUM) !== 0,
    stream: (f & STREAM) !== 0,
    time,
    refresh: (f & REFRESH) !== 0,
  };
}

function ttlOptions(r: V2Request): TTLOptions {
  return { expireTime: r.expiration, refresh: r.refresh === true };
}

/**
 * Applies a committed request to the store, as etcd's server does (throws EtcdError).
 * PUT: update / compareAndSwap / create / set by prevExist, prevIndex, prevValue;
 * POST: an in-order key; DELETE: compareAndDelete or delete; QGET: get;
 * SYNC: expires keys at r.time and returns an event with action "sync" (nothing to send).
 */
export function applyRequest(store: Store, r: V2Request, now: number): StoreEvent {
  switch (r.method) {
    case 'PUT': {
      if (r.prevExist !== null) {
        if (r.prevExist) {
          if (r.prevIndex === 0 && r.prevValue === '')
            return store.update(r.path, r.val, ttlOptions(r), now);
          return store.compareAndSwap(r.path, r.prevValue, r.prevIndex, r.val, ttlOptions(r), now);
        }
        return store.create(r.path, r.dir, r.val, false, ttlOptions(r), now);
      }
      if (r.prevIndex > 0 || r.prevValue !== '') {
        return store.compareAndSwap(r.path, r.prevValue, r.prevIndex, r.val, ttlOptions(r), now);
      }
      return store.set(r.path, r.dir, r.val, ttlOptions(r), now);
    }
    case 'POST':
      return store.create(r.path, r.dir, r.val, true, ttlOptions(r), now);
    case 'DELETE':
      if (r.prevIndex > 0 || r.prevValue !== '') {
        return store.compareAndDelete(r.path, r.prevValue, r.prevIndex, now);
      }
      return store.delete(r.path, r.dir, r.recursive, now);
    case 'QGET':
    case 'GET':
      return store.get(r.path, r.recursive, r.sorted, now);
    case 'SYNC': {
      store.deleteExpired(r.time);
      const e = new StoreEvent('sync', '/', store.index, 0);
      e.etcdIndex = store.index;
      return e;
    }
    default:
      throw raftInternal(`unknown method ${String((r as V2Request).method)}`);
  }
}
