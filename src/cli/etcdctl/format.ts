// Printing a keys response as etcdctl does: simple, extended, or the Go client's JSON.
import type { EtcdNode, KeysResponse } from '../../client/index.js';

/** Go's encoding/json string: HTML-safe escapes, \u2028/\u2029, \u0008/\u000c. */
export function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/\\(.)|[<>&\u2028\u2029]/g, (m, esc: string | undefined) => {
    if (esc !== undefined) {
      if (esc === 'b') return '\\u0008';
      if (esc === 'f') return '\\u000c';
      return m;
    }
    return `\\u${m.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** A time re-marshalled by Go: RFC 3339 with the fraction's trailing zeros cut. */
function goTime(t: string): string {
  return t.replace(/\.(\d*?)0+(?=Z|[+-]\d\d:\d\d$)/, (_m, d: string) => (d === '' ? '' : `.${d}`));
}

function nodeJson(n: EtcdNode): string {
  let s = `{"key":${goJsonString(n.key)}`;
  if (n.dir === true) s += ',"dir":true';
  s += `,"value":${goJsonString(n.value ?? '')},"nodes":`;
  if (n.nodes === undefined || n.nodes === null) s += 'null';
  else s += `[${n.nodes.map(nodeJson).join(',')}]`;
  s += `,"createdIndex":${n.createdIndex ?? 0},"modifiedIndex":${n.modifiedIndex ?? 0}`;
  if (n.expiration !== undefined && n.expiration !== null)
    s += `,"expiration":${goJsonString(goTime(n.expiration))}`;
  if (n.ttl !== undefined && n.ttl !== 0) s += `,"ttl":${n.ttl}`;
  return `${s}}`;
}

/** json.Marshal(client.Response). */
export function responseJson(r: KeysResponse): string {
  const prev = r.prevNode === undefined ? 'null' : nodeJson(r.prevNode);
  return `{"action":${goJsonString(r.action)},"node":${nodeJson(r.node)},"prevNode":${prev}}`;
}

export interface Out {
  out(s: string): void;
  err(s: string): void;
}

/** printResponseKey: what get/set/mk/update/rm print. */
export function printResponseKey(io: Out, r: KeysResponse, format: string): void {
  switch (format) {
    case 'simple':
      if (r.action !== 'delete') io.out(`${r.node.value ?? ''}\n`);
      else io.out(`PrevNode.Value: ${r.prevNode?.value ?? ''}\n`);
      break;
    case 'extended': {
      let s = `Key: ${r.node.key}\nCreated-Index: ${r.node.createdIndex}\nModified-Index: ${r.node.modifiedIndex}\n`;
      if (r.prevNode !== undefined) s += `PrevNode.Value: ${r.prevNode.value ?? ''}\n`;
      s += `TTL: ${r.node.ttl ?? 0}\nIndex: ${r.index}\n`;
      if (r.action !== 'delete') s += `\n${r.node.value ?? ''}\n`;
      io.out(s);
      break;
    }
    case 'json':
      io.out(`${responseJson(r)}\n`);
      break;
    default:
      io.err(`Unsupported output format: ${format}\n`);
  }
}
