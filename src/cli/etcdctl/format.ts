// Printing a keys response as 2.0.13's etcdctl does (go-etcd's Response and Node
// marshalled by encoding/json): simple, extended, or JSON.
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

/** go-etcd's Node: key always, the rest omitted when empty, indexes last. */
function nodeJson(n: EtcdNode): string {
  let s = `{"key":${goJsonString(n.key)}`;
  if (n.value !== undefined && n.value !== '') s += `,"value":${goJsonString(n.value)}`;
  if (n.dir === true) s += ',"dir":true';
  if (n.expiration !== undefined && n.expiration !== null)
    s += `,"expiration":${goJsonString(goTime(n.expiration))}`;
  if (n.ttl !== undefined && n.ttl !== 0) s += `,"ttl":${n.ttl}`;
  if (n.nodes !== undefined && n.nodes !== null && n.nodes.length > 0)
    s += `,"nodes":[${n.nodes.map(nodeJson).join(',')}]`;
  if ((n.modifiedIndex ?? 0) !== 0) s += `,"modifiedIndex":${n.modifiedIndex}`;
  if ((n.createdIndex ?? 0) !== 0) s += `,"createdIndex":${n.createdIndex}`;
  return `${s}}`;
}

/** json.Marshal(etcd.Response) of go-etcd. */
export function responseJson(r: KeysResponse): string {
  let s = `{"action":${goJsonString(r.action)},"node":${nodeJson(r.node)}`;
  if (r.prevNode !== undefined) s += `,"prevNode":${nodeJson(r.prevNode)}`;
  return `${s},"etcdIndex":${r.index},"raftIndex":${r.raftIndex},"raftTerm":${r.raftTerm}}`;
}

export interface Out {
  out(s: string): void;
  err(s: string): void;
}

/** printKeyOnly: what get/set/mk/update/rm/watch print for a key. */
export function printKeyOnly(io: Out, r: KeysResponse, format: string): void {
  switch (format) {
    case 'simple':
      io.out(`${r.node.value ?? ''}\n`);
      break;
    case 'extended': {
      let s = `Key: ${r.node.key}\nCreated-Index: ${r.node.createdIndex ?? 0}\nModified-Index: ${r.node.modifiedIndex ?? 0}\n`;
      if (r.prevNode !== undefined) s += `PrevNode.Value: ${r.prevNode.value ?? ''}\n`;
      s += `TTL: ${r.node.ttl ?? 0}\nEtcd-Index: ${r.index}\nRaft-Index: ${r.raftIndex}\nRaft-Term: ${r.raftTerm}\n`;
      io.out(`${s}\n${r.node.value ?? ''}\n`);
      break;
    }
    case 'json':
      io.out(`${responseJson(r)}\n`);
      break;
    default:
      io.err(`Unsupported output format: ${format}\n`);
  }
}
