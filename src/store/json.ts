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
  const head = nodeHead(n, trim);
  if (n.nodes === null || n.nodes.length === 0) return head + nodeTail(n, head.length > 1);
  let s = openNodes(head);
  for (let i = 0; i < n.nodes.length; i++) s += (i === 0 ? '' : ',') + nodeJSON(n.nodes[i]!, trim);
  return `${s}]${nodeTail(n, true)}`;
}

/** A node's head and the opening of its "nodes" list. */
function openNodes(head: string): string {
  return `${head}${head.length > 1 ? ',' : ''}"nodes":[`;
}

/** Where nodeJSON's text goes piece by piece (see writeNodeJSON). */
export interface TextSink {
  put(text: string): void;
}

/**
 * nodeJSON(n, trim) written to `sink` in pieces, each node without children one piece:
 * a long listing is then never one string (see api/long-answer.ts).
 */
export function writeNodeJSON(sink: TextSink, n: NodeExtern, trim = ''): void {
  const head = nodeHead(n, trim);
  if (n.nodes === null || n.nodes.length === 0) {
    sink.put(head + nodeTail(n, head.length > 1));
    return;
  }
  sink.put(openNodes(head));
  for (let i = 0; i < n.nodes.length; i++) {
    const c = n.nodes[i]!;
    // A child without children goes with its comma as one piece.
    if (c.nodes === null || c.nodes.length === 0)
      sink.put((i === 0 ? '' : ',') + nodeJSON(c, trim));
    else {
      if (i > 0) sink.put(',');
      writeNodeJSON(sink, c, trim);
    }
  }
  sink.put(`]${nodeTail(n, true)}`);
}

/**
 * A node's fields before its children: '{' and key, value, dir, expiration and ttl, each
 * after the first with its comma before it (no slicing off a trailing one, which would
 * flatten the string being built).
 */
function nodeHead(n: NodeExtern, trim: string): string {
  const key = trim !== '' && n.key.startsWith(trim) ? n.key.slice(trim.length) : n.key;
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
  if (n.ttl !== 0) s += `${sep}"ttl":${n.ttl}`;
  return s;
}

/** A node's fields after its children, and '}'; `after` says whether a field came before. */
function nodeTail(n: NodeExtern, after: boolean): string {
  let s = '';
  let sep = after ? ',' : '';
  if (n.modifiedIndex !== 0) {
    s += `${sep}"modifiedIndex":${n.modifiedIndex}`;
    sep = ',';
  }
  if (n.createdIndex !== 0) s += `${sep}"createdIndex":${n.createdIndex}`;
  return `${s}}`;
}

/** A rough count of the bytes of nodeJSON(n): enough to tell a long answer from a short one. */
export function nodeJSONSizeHint(n: NodeExtern): number {
  let size = 64 + n.key.length + (n.value === null ? 0 : n.value.length);
  if (n.nodes !== null) for (const c of n.nodes) size += nodeJSONSizeHint(c);
  return size;
}

/** The event body without the trailing newline; `trim` as for nodeJSON. */
export function eventJSON(e: StoreEvent, trim = ''): string {
  let s = `{"action":"${e.action}","node":${nodeJSON(e.node, trim)}`;
  if (e.prevNode !== null) s += `,"prevNode":${nodeJSON(e.prevNode, trim)}`;
  return `${s}}`;
}

/** eventJSON(e, trim) and a newline, written to `sink` in pieces (see writeNodeJSON). */
export function writeEventLine(sink: TextSink, e: StoreEvent, trim = ''): void {
  sink.put(`{"action":"${e.action}","node":`);
  writeNodeJSON(sink, e.node, trim);
  if (e.prevNode !== null) {
    sink.put(',"prevNode":');
    writeNodeJSON(sink, e.prevNode, trim);
  }
  sink.put('}\n');
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
