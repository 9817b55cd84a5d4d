// Query strings with Go's net/url rules (url.ParseQuery, QueryUnescape, PathUnescape), so
// that every parameter and every error is what the reference answers: '+' is a space,
// ';' is refused, bad escapes are errors, invalid UTF-8 becomes U+FFFD byte by byte.
import { Buffer } from 'node:buffer';

export type Form = Map<string, string[]>;

export class FormError extends Error {}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** UTF-8 bytes to text as Go reads them: each byte of an invalid sequence becomes U+FFFD. */
export function goDecodeUTF8(b: Uint8Array): string {
  const fast = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
  if (!fast.includes('\ufffd')) return fast;
  let out = '';
  let i = 0;
  const n = b.length;
  const cont = (j: number, lo = 0x80, hi = 0xbf) => j < n && b[j]! >= lo && b[j]! <= hi;
  while (i < n) {
    const c = b[i]!;
    let size = 0;
    if (c < 0x80) size = 1;
    else if (c >= 0xc2 && c <= 0xdf) size = cont(i + 1) ? 2 : 0;
    else if (c >= 0xe0 && c <= 0xef) {
      const lo = c === 0xe0 ? 0xa0 : 0x80;
      const hi = c === 0xed ? 0x9f : 0xbf;
      size = cont(i + 1, lo, hi) && cont(i + 2) ? 3 : 0;
    } else if (c >= 0xf0 && c <= 0xf4) {
      const lo = c === 0xf0 ? 0x90 : 0x80;
      const hi = c === 0xf4 ? 0x8f : 0xbf;
      size = cont(i + 1, lo, hi) && cont(i + 2) && cont(i + 3) ? 4 : 0;
    }
    if (size === 0) {
      out += '\ufffd';
      i++;
    } else {
      out += Buffer.from(b.buffer, b.byteOffset + i, size).toString('utf8');
      i += size;
    }
  }
  return out;
}

/**
 * Go's url.QueryUnescape (plus=true) or PathUnescape (plus=false). `s` is a byte string
 * (one char per byte, as a latin1 decoding gives); the result is text.
 */
export function goUnescape(s: string, plus: boolean): string {
  // Nothing to unescape and ASCII only (no UTF-8 to decode): s as it is. A string has a
  // char >= 0x80 exactly when its UTF-8 is longer than it; Node counts that natively,
  // several times faster than a charCodeAt loop over a 256-byte value.
  if (
    s.indexOf('%') < 0 &&
    (!plus || s.indexOf('+') < 0) &&
    Buffer.byteLength(s, 'utf8') === s.length
  ) {
    return s;
  }
  const bytes = new Uint8Array(s.length);
  let n = 0;
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i) & 0xff;
    if (c === 37) {
      const a = i + 1 < s.length ? hexVal(s.charCodeAt(i + 1)) : -1;
      const b = i + 2 < s.length ? hexVal(s.charCodeAt(i + 2)) : -1;
      if (a < 0 || b < 0) {
        throw new FormError(
          `invalid URL escape ${JSON.stringify(s.slice(i, Math.min(i + 3, s.length)))}`,
        );
      }
      bytes[n++] = a * 16 + b;
      i += 3;
    } else {
      bytes[n++] = plus && c === 43 ? 32 : c;
      i++;
    }
  }
  return goDecodeUTF8(bytes.subarray(0, n));
}

/** Go's url.ParseQuery into `form` (appending); throws the first error after parsing all. */
export function parseQueryInto(form: Form, query: string): void {
  let first: FormError | null = null;
  for (const part of query.split('&')) {
    if (part === '') continue;
    if (part.includes(';')) {
      first ??= new FormError(SEMICOLON);
      continue;
    }
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const rawVal = eq < 0 ? '' : part.slice(eq + 1);
    first = addField(form, rawKey, rawVal, first);
  }
  if (first !== null) throw first;
}

/**
 * parseQueryInto over a urlencoded body's bytes. Each name and value is a string of its
 * own: a value cut from the whole body's string would be V8's slice of it and keep all of
 * it alive for as long as the store keeps the value (a key set with a large prevValue
 * beside it would hold both). Linear in the body: each scan for '=' or ';' starts past the
 * last one found.
 */
export function parseFormBytesInto(form: Form, body: Buffer): void {
  let first: FormError | null = null;
  const n = body.length;
  let eq = -2; // the next '=' at or after `start` (-1: none left; -2: not looked for yet)
  let semi = -2;
  for (let start = 0; start <= n; ) {
    let end = body.indexOf(38, start); // '&'
    if (end < 0) end = n;
    if (end > start) {
      if (semi !== -1 && semi < start) semi = body.indexOf(59, start); // ';'
      if (eq !== -1 && eq < start) eq = body.indexOf(61, start); // '='
      if (semi >= 0 && semi < end) first ??= new FormError(SEMICOLON);
      else {
        const hasEq = eq >= 0 && eq < end;
        const rawKey = body.toString('latin1', start, hasEq ? eq : end);
        const rawVal = hasEq ? body.toString('latin1', eq + 1, end) : '';
        first = addField(form, rawKey, rawVal, first);
      }
    }
    start = end + 1;
  }
  if (first !== null) throw first;
}

const SEMICOLON = 'invalid semicolon separator in query';

/** Unescapes one field into `form`; returns the first error so far (`first`, or this one). */
function addField(
  form: Form,
  rawKey: string,
  rawVal: string,
  first: FormError | null,
): FormError | null {
  let key: string;
  let val: string;
  try {
    key = goUnescape(rawKey, true);
    val = goUnescape(rawVal, true);
  } catch (e) {
    return first ?? (e as FormError);
  }
  const vs = form.get(key);
  if (vs === undefined) form.set(key, [val]);
  else vs.push(val);
  return first;
}
