// The body of POST /v2/members and PUT /v2/members/<id>, decoded as etcd 2.0's
// httptypes.MemberCreateRequest: Go's encoding/json into struct { PeerURLs []string }
// (field names matched case-insensitively, the last duplicate key winning, unknown keys
// ignored, null leaving the field empty), then types.NewURLs: at least one URL, each http
// or https with host:port and no path. Every refusal is etcd's 400 message.
import { goJsonSyntaxError } from '../pkg/go-json-error.js';
import { compareGoStrings } from '../pkg/ids.js';
import { parseEtcdUrl } from '../pkg/urls.js';

const STRUCT = 'struct { PeerURLs []string "json:\\"peerURLs\\"" }';

/** Go's name for the JSON kind of a value in "cannot unmarshal X into ...". */
function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}

/** The sorted, canonical peer URLs, or the message etcd 2.0.13 answers with (400). */
export function decodePeerURLs(body: Buffer): { urls: string[] } | { error: string } {
  // Go checks the syntax of the bytes first, then decodes (invalid UTF-8 becomes U+FFFD).
  const syntax = goJsonSyntaxError(body.toString('latin1'));
  if (syntax !== null) return { error: syntax };
  const doc = JSON.parse(body.toString('utf8')) as unknown;
  let list: unknown = null;
  if (doc !== null) {
    if (typeof doc !== 'object' || Array.isArray(doc)) {
      return { error: `json: cannot unmarshal ${jsonKind(doc)} into Go value of type ${STRUCT}` };
    }
    for (const [k, v] of Object.entries(doc)) if (k.toLowerCase() === 'peerurls') list = v;
  }
  const strs: string[] = [];
  if (list !== null) {
    if (!Array.isArray(list)) {
      return {
        error: `json: cannot unmarshal ${jsonKind(list)} into Go struct field .peerURLs of type []string`,
      };
    }
    for (const u of list as unknown[]) {
      if (u !== null && typeof u !== 'string') {
        return {
          error: `json: cannot unmarshal ${jsonKind(u)} into Go struct field .peerURLs of type string`,
        };
      }
      strs.push(u ?? '');
    }
  }
  if (strs.length === 0) return { error: 'no valid URLs given' };
  const urls: string[] = [];
  for (const s of strs) {
    try {
      urls.push(parseEtcdUrl(s).href);
    } catch (e) {
      return { error: (e as Error).message };
    }
  }
  return { urls: urls.sort(compareGoStrings) };
}
