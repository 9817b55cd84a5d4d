// Turns an HTTP request's form into a V2Request with etcd's validation (parseKeyRequest),
// including its error causes and its TTL arithmetic (Go durations wrap at 64 bits).
import {
  EtcdError,
  indexNaN,
  invalidField,
  invalidForm,
  prevValueRequired,
  refreshTTLRequired,
  refreshValue,
  ttlNaN,
} from '../store/errors.js';
import { cleanPath } from '../store/path.js';
import { newRequest, type V2Method, type V2Request } from '../store/request.js';
import { parseGoBool } from '../pkg/go-strconv.js';
import type { Form } from '../pkg/go-query.js';
import { formValue, parseUint10 } from './keys-form.js';

export const KEYS_PREFIX = '/v2/keys';

export interface ParsedKeyRequest {
  req: V2Request;
  noValueOnSuccess: boolean;
}

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

const NS_PER_MS = 1_000_000n;

/** now + ttl seconds, computed as Go does in int64 nanoseconds (so huge TTLs wrap), in ms. */
export function ttlToExpiration(ttl: bigint, nowMs: number): number {
  if (ttl < 1_000_000_000n) return nowMs + Number(ttl) * 1000;
  const d = BigInt.asIntN(64, BigInt.asIntN(64, ttl) * 1_000_000_000n);
  const nowNs = BigInt(Math.round(nowMs * 1e6));
  const exp = BigInt.asIntN(64, nowNs + d);
  const ms = Number(exp / NS_PER_MS) + Number(exp % NS_PER_MS) / 1e6;
  // 0 means "no TTL" to the store; an expiry of exactly the epoch is before 2000 anyway.
  return ms === 0 ? -1 : ms;
}

/** etcd's parseKeyRequest. `urlPath` is the unescaped path; throws EtcdError (index 0). */
export function parseKeyRequest(
  method: string,
  urlPath: string,
  form: Form,
  nowMs: number,
): ParsedKeyRequest {
  if (!urlPath.startsWith(KEYS_PREFIX)) throw invalidForm('incorrect key prefix');
  const path = cleanPath(urlPath.slice(KEYS_PREFIX.length));
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
  const noValueOnSuccess = getBool(form, 'noValueOnSuccess');
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
  let refresh = false;
  if (form.has('refresh')) {
    const v = parseGoBool(form.get('refresh')![0]!);
    if (v === null) throw invalidField('invalid value for refresh');
    refresh = v;
    if (refresh) {
      if (form.has('value') && formValue(form, 'value') !== '')
        throw refreshValue('A value was provided on a refresh');
      if (ttl === null) throw refreshTTLRequired('No TTL value set');
    }
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
  r.refresh = refresh;
  if (ttl !== null) r.expiration = ttlToExpiration(ttl, nowMs);
  return { req: r, noValueOnSuccess };
}

export function isEtcdError(e: unknown): e is EtcdError {
  return e instanceof EtcdError;
}
