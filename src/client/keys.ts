// Keys-API requests as etcd's Go client builds them (parameters sorted, the same
// defaults) and the parsing of its answers.
import type { IncomingHttpHeaders } from 'node:http';
import { EtcdError, InvalidResponseError } from './errors.js';
import { encodePairs, keyPath } from './escape.js';
import type { RawResponse } from './transport.js';
import type { DeleteOptions, EtcdNode, GetOptions, KeysResponse, SetOptions } from './types.js';

export const FORM = 'application/x-www-form-urlencoded';

export interface KeysRequest {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  path: string;
  body: string | null;
}

function withQuery(path: string, q: string): string {
  return q === '' ? path : `${path}?${q}`;
}

export function getRequest(prefix: string, key: string, o: GetOptions | undefined): KeysRequest {
  const q = `quorum=${o?.quorum === true}&recursive=${o?.recursive === true}&sorted=${o?.sorted === true}`;
  return { method: 'GET', path: `${keyPath('', prefix, key)}?${q}`, body: null };
}

function ttlPair(ttl: number | null | undefined, out: [string, string][]): void {
  if (ttl === null) out.push(['ttl', '']);
  else if (ttl !== undefined && ttl > 0) out.push(['ttl', String(Math.floor(ttl))]);
}

export function setRequest(
  prefix: string,
  key: string,
  value: string,
  o: SetOptions | undefined,
): KeysRequest {
  const params: [string, string][] = [];
  const form: [string, string][] = [];
  if (o?.dir === true) params.push(['dir', 'true']);
  if (o?.prevExist !== undefined) params.push(['prevExist', String(o.prevExist)]);
  if (o?.prevIndex !== undefined && o.prevIndex !== 0)
    params.push(['prevIndex', String(o.prevIndex)]);
  if (o?.dir !== true && o?.prevValue !== undefined && o.prevValue !== '') {
    params.push(['prevValue', o.prevValue]);
  }
  if (o?.refresh === true) form.push(['refresh', 'true']);
  ttlPair(o?.ttl, form);
  if (o?.dir !== true) form.push(['value', value]);
  return {
    method: 'PUT',
    path: withQuery(keyPath('', prefix, key), encodePairs(params)),
    body: encodePairs(form),
  };
}

export function createInOrderRequest(
  prefix: string,
  dir: string,
  value: string,
  ttl: number | null | undefined,
): KeysRequest {
  const form: [string, string][] = [];
  ttlPair(ttl, form);
  form.push(['value', value]);
  return { method: 'POST', path: keyPath('', prefix, dir), body: encodePairs(form) };
}

export function deleteRequest(
  prefix: string,
  key: string,
  o: DeleteOptions | undefined,
): KeysRequest {
  const params: [string, string][] = [];
  if (o?.dir === true) params.push(['dir', 'true']);
  if (o?.prevIndex !== undefined && o.prevIndex !== 0)
    params.push(['prevIndex', String(o.prevIndex)]);
  if (o?.prevValue !== undefined && o.prevValue !== '') params.push(['prevValue', o.prevValue]);
  if (o?.recursive === true) params.push(['recursive', 'true']);
  return {
    method: 'DELETE',
    path: withQuery(keyPath('', prefix, key), encodePairs(params)),
    body: null,
  };
}

export function watchRequest(
  prefix: string,
  key: string,
  recursive: boolean,
  waitIndex: number,
): KeysRequest {
  return {
    method: 'GET',
    path: `${keyPath('', prefix, key)}?recursive=${recursive}&wait=true&waitIndex=${waitIndex}`,
    body: null,
  };
}

function headerNumber(h: IncomingHttpHeaders, name: string): number {
  const v = h[name];
  if (typeof v !== 'string' || v === '') return 0;
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

/** Turns an answer into a KeysResponse, or throws the EtcdError it carries.
 *  Returns null for an empty 200 (a long poll the server ended without an event). */
export function parseKeysResponse(res: RawResponse): KeysResponse | null {
  if (res.status === 200 || res.status === 201) {
    if (res.body.length === 0) return null;
    const b = jsonWith(res.body, 'action', 'string') as {
      action: string;
      node: EtcdNode;
      prevNode?: EtcdNode;
    } | null;
    if (b === null) throw new InvalidResponseError();
    const h = res.headers;
    const out: KeysResponse = {
      action: b.action,
      node: b.node,
      index: headerNumber(h, 'x-etcd-index'),
      raftIndex: headerNumber(h, 'x-raft-index'),
      raftTerm: headerNumber(h, 'x-raft-term'),
      clusterId: (h['x-etcd-cluster-id'] as string | undefined) ?? '',
    };
    if (b.prevNode !== undefined) out.prevNode = b.prevNode;
    return out;
  }
  throw parseError(res);
}

export function parseError(res: RawResponse): Error {
  const b = jsonWith(res.body, 'errorCode', 'number');
  if (b === null) return new InvalidResponseError();
  return EtcdError.from(b as { errorCode: number }, res.status);
}

/** The body as a JSON object whose `field` is of `type`, or null. */
function jsonWith(
  body: string,
  field: string,
  type: 'string' | 'number',
): Record<string, unknown> | null {
  let b: unknown;
  try {
    b = JSON.parse(body);
  } catch {
    return null;
  }
  if (b === null || typeof b !== 'object') return null;
  return typeof (b as Record<string, unknown>)[field] === type
    ? (b as Record<string, unknown>)
    : null;
}

export function isEtcdError(e: unknown, code: number): e is EtcdError {
  return e instanceof EtcdError && e.errorCode === code;
}
