// Go's strconv.ParseBool: the spellings Go accepts for booleans in flags and query strings.

/** true, false, or null when Go would return a syntax error. */
export function parseGoBool(s: string): boolean | null {
  switch (s) {
    case '1':
    case 't':
    case 'T':
    case 'TRUE':
    case 'true':
    case 'True':
      return true;
    case '0':
    case 'f':
    case 'F':
    case 'FALSE':
    case 'false':
    case 'False':
      return false;
    default:
      return null;
  }
}

/** strconv's ErrSyntax / ErrRange, with the words Go's flag package prints for them. */
export class GoNumError extends Error {
  constructor(readonly range: boolean) {
    super(range ? 'value out of range' : 'parse error');
    this.name = 'GoNumError';
  }
}

export const UINT64_MAX = (1n << 64n) - 1n;
const INT64_MAX = (1n << 63n) - 1n;

/**
 * strconv.ParseUint(s, base, 64) for base 10 (digits only) or base 0 (0x, 0o, 0b and
 * leading-0 octal prefixes; underscores between digits). Throws GoNumError.
 */
export function parseGoUint(s: string, base: 0 | 10 = 10, max: bigint = UINT64_MAX): bigint {
  let body = s;
  let radix = 10;
  let prefixed = false;
  if (base === 0) {
    if (/^0[xX]/.test(body)) {
      radix = 16;
      body = body.slice(2);
      prefixed = true;
    } else if (/^0[oO]/.test(body)) {
      radix = 8;
      body = body.slice(2);
      prefixed = true;
    } else if (/^0[bB]/.test(body)) {
      radix = 2;
      body = body.slice(2);
      prefixed = true;
    } else if (body.length > 1 && body[0] === '0') {
      radix = 8;
      body = body.slice(1);
      prefixed = true;
    }
    if (body.includes('_')) {
      // Go allows underscores only between digits or right after a base prefix.
      const ok = prefixed ? /^_?[^_]+(_[^_]+)*$/.test(body) : /^[^_]+(_[^_]+)*$/.test(body);
      if (!ok) throw new GoNumError(false);
      body = body.replaceAll('_', '');
    }
  }
  if (body.length === 0) throw new GoNumError(false);
  const digits =
    radix === 16
      ? /^[0-9a-fA-F]+$/
      : radix === 8
        ? /^[0-7]+$/
        : radix === 2
          ? /^[01]+$/
          : /^[0-9]+$/;
  if (!digits.test(body)) throw new GoNumError(false);
  const v = radix === 10 ? BigInt(body) : parseRadix(body, radix);
  if (v > max) throw new GoNumError(true);
  return v;
}

function parseRadix(body: string, radix: number): bigint {
  let v = 0n;
  const b = BigInt(radix);
  for (const c of body) v = v * b + BigInt(Number.parseInt(c, radix));
  return v;
}

/** strconv.ParseInt(s, base, 64): an optional sign, then as parseGoUint. */
export function parseGoInt(s: string, base: 0 | 10 = 10): bigint {
  const neg = s.startsWith('-');
  const body = neg || s.startsWith('+') ? s.slice(1) : s;
  const v = parseGoUint(body, base, INT64_MAX + (neg ? 1n : 0n));
  return neg ? -v : v;
}
