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
