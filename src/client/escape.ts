// URL building as Go's net/url does it, so requests (and etcdctl's --debug cURL lines)
// are byte for byte those of etcd's Go client.

const PATH_SAFE = /^[A-Za-z0-9\-_.~$&+,/:;=@]*$/;
const QUERY_SAFE = /^[A-Za-z0-9\-_.~]*$/;
const NEEDS_CLEAN = /\/\/|\/\.\.?(?:\/|$)/;

function hex(c: number): string {
  return `%${c < 16 ? '0' : ''}${c.toString(16).toUpperCase()}`;
}

function escapeWith(s: string, safe: (c: number) => boolean, spacePlus: boolean): string {
  const bytes = Buffer.from(s, 'utf8');
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (safe(c)) out += String.fromCharCode(c);
    else if (spacePlus && c === 0x20) out += '+';
    else out += hex(c);
  }
  return out;
}

function unreserved(c: number): boolean {
  return (
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2d ||
    c === 0x5f ||
    c === 0x2e ||
    c === 0x7e
  );
}

function pathSafe(c: number): boolean {
  // $ & + , / : ; = @
  return (
    unreserved(c) ||
    c === 0x24 ||
    c === 0x26 ||
    c === 0x2b ||
    c === 0x2c ||
    c === 0x2f ||
    c === 0x3a ||
    c === 0x3b ||
    c === 0x3d ||
    c === 0x40
  );
}

/** url.PathEscape-like escaping of a whole path (slashes kept), as URL.EscapedPath. */
export function escapePath(p: string): string {
  return PATH_SAFE.test(p) ? p : escapeWith(p, pathSafe, false);
}

/** url.QueryEscape: space as '+', everything but [A-Za-z0-9-_.~] percent-encoded. */
export function queryEscape(s: string): string {
  return QUERY_SAFE.test(s) ? s : escapeWith(s, unreserved, true);
}

/** path.Clean for absolute paths. */
function cleanPath(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

/** etcd's pathutil.CanonicalURLPath: cleaned, rooted, trailing slash kept. */
export function canonicalPath(p: string): string {
  if (p === '') return '/';
  if (p.charCodeAt(0) !== 0x2f) p = `/${p}`;
  if (!NEEDS_CLEAN.test(p)) return p;
  const np = cleanPath(p);
  return p.charCodeAt(p.length - 1) === 0x2f && np !== '/' ? `${np}/` : np;
}

/** The escaped path of a key under the keys prefix (`/v2/keys` + key). */
export function keyPath(base: string, prefix: string, key: string): string {
  if (key !== '' && key.charCodeAt(0) !== 0x2f) key = `/${key}`;
  return escapePath(canonicalPath(base + prefix + key));
}

/** url.Values.Encode: pairs sorted by key. Callers pass keys already sorted. */
export function encodePairs(pairs: readonly (readonly [string, string])[]): string {
  let s = '';
  for (let i = 0; i < pairs.length; i++) {
    const [k, v] = pairs[i]!;
    if (i > 0) s += '&';
    s += `${queryEscape(k)}=${queryEscape(v)}`;
  }
  return s;
}
