// The keys API's form: first value wins (body before query, parsed by pkg/go-query), Go's
// unsigned integers, and ServeMux's path cleaning.
import type { Form } from '../pkg/go-query.js';
import { parseGoUint } from '../pkg/go-strconv.js';

export function formValue(form: Form, key: string): string {
  const vs = form.get(key);
  return vs === undefined ? '' : vs[0]!;
}

/** Go's strconv.ParseUint(s, 10, 64) as a bigint, or null. */
export function parseUint10(s: string): bigint | null {
  if (s.length === 0 || s.length > 20) return null;
  try {
    return parseGoUint(s, 10);
  } catch {
    return null;
  }
}

/** Go's path cleaning in ServeMux: like path.Clean, but a trailing slash is kept. */
export function muxCleanPath(p: string): string {
  return isMuxClean(p) ? p : splitCleanPath(p);
}

/** muxCleanPath the long way, without its fast path for clean paths (its test compares them). */
export function splitCleanPath(p: string): string {
  if (p === '') return '/';
  if (p[0] !== '/') p = `/${p}`;
  const parts: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  let np = `/${parts.join('/')}`;
  if (p.endsWith('/') && np !== '/') np += '/';
  return np;
}

/**
 * True when muxCleanPath(p) === p (the common case), found in one scan without splitting:
 * p starts with '/', no segment but a final one is empty, and none is '.' or '..'.
 */
function isMuxClean(p: string): boolean {
  const n = p.length;
  if (n === 0 || p.charCodeAt(0) !== 47) return false;
  for (let i = 0; i < n; i++) {
    if (p.charCodeAt(i) !== 47) continue;
    // A '/' that ends the path is a kept trailing slash; "//", "/./" and "/../" are not clean,
    // nor a final "/." or "/..".
    if (i + 1 === n) break;
    const a = p.charCodeAt(i + 1);
    if (a === 47) return false;
    if (a !== 46) continue;
    if (i + 2 === n || p.charCodeAt(i + 2) === 47) return false;
    if (p.charCodeAt(i + 2) !== 46) continue;
    if (i + 3 === n || p.charCodeAt(i + 3) === 47) return false;
  }
  return true;
}
