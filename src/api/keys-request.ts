// Turns an HTTP request's form into a V2Request with etcd 2.0's validation (parseKeyRequest),
// including its error causes and its TTL arithmetic (Go durations wrap at 64 bits). etcd 2.0
// knows neither `refresh` nor `noValueOnSuccess` (2.3): they are ignored, as there.
import {
  EtcdError,
  indexNaN,
  invalidField,
  invalidForm,
  prevValueRequired,
  ttlNaN,
} from '../store/errors.js';
import { cleanPath } from '../store/path.js';
import { newRequest, type V2Method, type V2Request } from '../store/request.js';
import { parseGoBool } from '../pkg/go-strconv.js';
import type { Form } from '../pkg/go-query.js';
import { formValue, parseUint10 } from './keys-form.js';

export const KEYS_PREFIX = '/v2/keys';
/** Where user keys live in the store (etcd 2.0's StoreKeysPrefix); the API hides it. */
export const STORE_KEYS_PREFIX = '/1';

function getIndex(form: Form, key: string): number {
  const vs = form.get(key);
  if (vs === undefined) return 0;
  const v = parseUint10(vs[0]!);
  if (v === null) throw indexNaN(`invalid value for "${key}"`);
  return Number(v);
}

function getBool(form: Form, key: string): boolean {
  const vs = form.get(key);
  if (vs === undefined) return false;
  const v = parseGoBool(vs[0]!);
  if (v === null) throw invalidField(`invalid value for "${key}"`);
  return v;
}

/** now + ttl seconds in int64 nanoseconds, wrapping as Go's arithmetic does. */
export function ttlToExpiration(ttl: bigint, nowNs: bigint): bigint {
  return BigInt.asIntN(64, nowNs + BigInt.asIntN(64, BigInt.asIntN(64, ttl) * 1_000_000_000n));
}

/**
 * etcd 2.0's parseKeyRequest. `urlPath` is the unescaped path; the request's path is put
 * under the store's keys root (/1). Throws EtcdError (index 0).
 */
export function parseKeyRequest(
  method: string,
  urlPath: string,
  form: Form,
  nowNs: bigint,
): V2Request {
  if (!urlPath.startsWith(KEYS_PREFIX)) throw invalidForm('incorrect key prefix');
  const path = cleanPath(`${STORE_KEYS_PREFIX}/${urlPath.slice(KEYS_PREFIX.length)}`);
  const prevIndex = getIndex(form, 'prevIndex');
  const since = getIndex(form, 'waitIndex');
  const recursive = getBool(form, 'recursive');
  const sorted = getBool(form, 'sorted');
  const wait = getBool(form, 'wait');
  const dir = getBool(form, 'dir');
  const quorum = getBool(form, 'quorum');
  const stream = getBool(form, 'stream');
  if (wait && method !== 'GET') throw invalidField('"wait" can only be used with GET requests');
  const prevValue = formValue(form, 'prevValue');
  if (form.has('prevValue') && prevValue === '')
    throw prevValueRequired('"prevValue" cannot be empty');
  let ttl: bigint | null = null;
  const ttlRaw = formValue(form, 'ttl');
  if (ttlRaw.length > 0) {
    ttl = parseUint10(form.get('ttl')![0]!);
    if (ttl === null) throw ttlNaN('invalid value for "ttl"');
  }
  let prevExist: boolean | null = null;
  if (form.has('prevExist')) {
    prevExist = parseGoBool(form.get('prevExist')![0]!);
    if (prevExist === null) throw invalidField('invalid value for prevExist');
  }
  const r = newRequest(method as V2Method, path);
  r.val = formValue(form, 'value');
  r.dir = dir;
  r.prevValue = prevValue;
  r.prevIndex = prevIndex;
  r.prevExist = prevExist;
  r.wait = wait;
  r.since = since;
  r.recursive = recursive;
  r.sorted = sorted;
  r.quorum = quorum;
  r.stream = stream;
  if (ttl !== null) r.expiration = ttlToExpiration(ttl, nowNs);
  return r;
}

export function isEtcdError(e: unknown): e is EtcdError {
  return e instanceof EtcdError;
}
