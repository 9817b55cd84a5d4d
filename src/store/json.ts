// JSON exactly as Go's encoding/json writes etcd's Event and Error: field order, omitempty,
// HTML-safe escaping (<, >, & as \u003c...), control bytes as \u00XX, times as RFC 3339
// with nine fractional digits at most, trailing zeros trimmed.
import type { EtcdError } from './errors.js';
import type { NodeExtern, StoreEvent } from './event.js';
import { formatGoTime } from '../pkg/go-time.js';

const needsEscape = /["\\\u0000-\u001f<>&\u2028\u2029\ufffd]/;
const hex = '0123456789abcdef';

/** Whether Go's encoder writes `s` between quotes as it is. */
export function isPlainJSON(s: string): boolean {
  return !needsEscape.test(s);
}

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

/**
 * A node as Go's encoder writes etcd's NodeExtern. `trim` is cut from the front of every
 * key (the API hides the store's "/1" root this way); a key left empty is omitted.
 */
export function nodeJSON(n: NodeExtern, trim = ''): string {
  const key = trim !== '' && n.key.startsWith(trim) ? n.key.slice(trim.length) : n.key;
  // Each field after the first is written with its comma before it: no slicing off a
  // trailing one, which would flatten the string being built.
  let s = key === '' ? '{' : `{"key":${goString(key)}`;
  let sep = key === '' ? '' : ',';
  if (n.value !== null) {
    s += `${sep}"value":${n.plain ? `"${n.value}"` : goString(n.value)}`;
    sep = ',';
  }
  if (n.dir) {
    s += `${sep}"dir":true`;
    sep = ',';
  }
  if (n.expiration !== 0 || n.expirationNs !== 0) {
    s += `${sep}"expiration":"${formatGoTime(n.expiration, n.expirationNs)}"`;
    sep = ',';
  }
  if (n.ttl !== 0) {
    s += `${sep}"ttl":${n.ttl}`;
    sep = ',';
  }
  if (n.nodes !== null && n.nodes.length > 0) {
    s += `${sep}"nodes":[`;
    for (let i = 0; i < n.nodes.length; i++)
      s += (i === 0 ? '' : ',') + nodeJSON(n.nodes[i]!, trim);
    s += ']';
    sep = ',';
  }
  if (n.modifiedIndex !== 0) {
    s += `${sep}"modifiedIndex":${n.modifiedIndex}`;
    sep = ',';
  }
  if (n.createdIndex !== 0) s += `${sep}"createdIndex":${n.createdIndex}`;
  return `${s}}`;
}

/** The event body without the trailing newline; `trim` as for nodeJSON. */
export function eventJSON(e: StoreEvent, trim = ''): string {
  let s = `{"action":"${e.action}","node":${nodeJSON(e.node, trim)}`;
  if (e.prevNode !== null) s += `,"prevNode":${nodeJSON(e.prevNode, trim)}`;
  return `${s}}`;
}

/**
 * eventJSON(e), written once per event and kept on it: the watchers of an event share one
 * serialisation. (The JSON does not depend on etcdIndex, so a withIndex copy shares it;
 * every caller passes the same `trim`: the API's.)
 */
export function eventJSONOnce(e: StoreEvent, trim = ''): string {
  if (e.json === null) e.json = eventJSON(e, trim);
  return e.json;
}

/** eventJSONOnce(e) and a newline, kept on the event too: one string for every watcher's write. */
export function eventLineOnce(e: StoreEvent, trim = ''): string {
  if (e.line === null) e.line = `${eventJSONOnce(e, trim)}\n`;
  return e.line;
}

export function errorJSON(e: EtcdError): string {
  let s = `{"errorCode":${e.errorCode},"message":${goString(e.message)}`;
  if (e.cause !== '') s += `,"cause":${goString(e.cause)}`;
  return `${s},"index":${e.index}}`;
}
