// JSON exactly as Go's encoding/json writes etcd's Event and Error: field order, omitempty,
// HTML-safe escaping (<, >, & as \u003c...), control bytes as \u00XX, times as RFC 3339
// with trailing zeros trimmed.
import { formatGoTime as goTime } from '../pkg/go-time.js';
import type { EtcdError } from './errors.js';
import type { NodeExtern, StoreEvent } from './event.js';

const needsEscape = /["\\\u0000-\u001f<>&\u2028\u2029\ufffd]/;
const hex = '0123456789abcdef';

/** A JSON string literal as Go's encoder writes it. */
export function goString(s: string): string {
  if (!needsEscape.test(s)) return `"${s}"`;
  let out = '"';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string;
    if (c === 34) rep = '\\"';
    else if (c === 92) rep = '\\\\';
    else if (c === 10) rep = '\\n';
    else if (c === 13) rep = '\\r';
    else if (c === 9) rep = '\\t';
    else if (c < 0x20 || c === 60 || c === 62 || c === 38)
      rep = `\\u00${hex[c >> 4]}${hex[c & 15]}`;
    else if (c === 0x2028) rep = '\\u2028';
    else if (c === 0x2029) rep = '\\u2029';
    // Go writes \ufffd for bytes that are not UTF-8 (decoded to U+FFFD on the way in).
    else if (c === 0xfffd) rep = '\\ufffd';
    else continue;
    out += s.slice(last, i) + rep;
    last = i + 1;
  }
  return `${out + s.slice(last)}"`;
}

export { goTime };

export function nodeJSON(n: NodeExtern): string {
  // The root's key is omitted, as the reference (whose root is its internal "/1") does.
  let s = n.key === '/' || n.key === '' ? '{' : `{"key":${goString(n.key)},`;
  if (n.value !== null) s += `"value":${goString(n.value)},`;
  if (n.dir) s += '"dir":true,';
  if (n.expiration !== 0) s += `"expiration":"${goTime(n.expiration)}",`;
  if (n.ttl !== 0) s += `"ttl":${n.ttl},`;
  if (n.nodes !== null && n.nodes.length > 0) {
    s += '"nodes":[';
    for (let i = 0; i < n.nodes.length; i++) s += (i === 0 ? '' : ',') + nodeJSON(n.nodes[i]!);
    s += '],';
  }
  if (n.modifiedIndex !== 0) s += `"modifiedIndex":${n.modifiedIndex},`;
  if (n.createdIndex !== 0) s += `"createdIndex":${n.createdIndex},`;
  return s.length === 1 ? '{}' : `${s.slice(0, -1)}}`;
}

/** The event body without the trailing newline. `noNodes` drops node and prevNode. */
export function eventJSON(e: StoreEvent, noNodes = false): string {
  let s = `{"action":"${e.action}"`;
  if (!noNodes) {
    s += `,"node":${nodeJSON(e.node)}`;
    if (e.prevNode !== null) s += `,"prevNode":${nodeJSON(e.prevNode)}`;
  }
  return `${s}}`;
}

/**
 * eventJSON(e), written once per event and kept on it: the watchers of an event share one
 * serialisation. (The JSON does not depend on etcdIndex, so a withIndex copy shares it.)
 */
export function eventJSONOnce(e: StoreEvent): string {
  if (e.json === null) e.json = eventJSON(e);
  return e.json;
}

export function errorJSON(e: EtcdError): string {
  let s = `{"errorCode":${e.errorCode},"message":${goString(e.message)}`;
  if (e.cause !== '') s += `,"cause":${goString(e.cause)}`;
  return `${s},"index":${e.index}}`;
}
