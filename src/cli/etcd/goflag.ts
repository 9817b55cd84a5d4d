// Command-line parsing with the rules and messages of Go's flag package (etcd 2 used a
// flag.FlagSet): `-f`, `--f`, `-f=v`, `--f=v`, `-f v` (not for booleans), `--` ends the
// flags, the first non-flag argument stops parsing, a repeated flag keeps the last value.

import { parseGoBool as parseStrconvBool } from '../../pkg/go-strconv.js';
/** A flag's value: `set` throws an Error whose message Go would print after the colon. */
export interface FlagDef {
  name: string;
  /** Boolean flags take no argument (`-f` means true; `-f=false`). */
  bool: boolean;
  set(value: string): void;
}

export class GoFlagError extends Error {
  /** Go's flag.ErrHelp: -h / -help given and not defined. */
  readonly help: boolean;
  constructor(message: string, help = false) {
    super(message);
    this.name = 'GoFlagError';
    this.help = help;
  }
}

export interface GoFlagResult {
  /** Flags set on the command line, in order of first appearance. */
  set: Set<string>;
  /** Arguments left after the flags. */
  args: string[];
}

export function parseGoFlags(
  argv: readonly string[],
  defs: ReadonlyMap<string, FlagDef>,
): GoFlagResult {
  const set = new Set<string>();
  let i = 0;
  while (i < argv.length) {
    const s = argv[i]!;
    if (s.length < 2 || s[0] !== '-') break;
    let minuses = 1;
    if (s[1] === '-') {
      minuses = 2;
      if (s.length === 2) {
        i++;
        break;
      }
    }
    let name = s.slice(minuses);
    if (name.length === 0 || name[0] === '-' || name[0] === '=') {
      throw new GoFlagError(`bad flag syntax: ${s}`);
    }
    i++;
    let hasValue = false;
    let value = '';
    const eq = name.indexOf('=', 1);
    if (eq > 0) {
      value = name.slice(eq + 1);
      hasValue = true;
      name = name.slice(0, eq);
    }
    const def = defs.get(name);
    if (!def) {
      if (name === 'help' || name === 'h') throw new GoFlagError('', true);
      throw new GoFlagError(`flag provided but not defined: -${name}`);
    }
    if (def.bool) {
      const v = hasValue ? value : 'true';
      try {
        def.set(v);
      } catch (e) {
        throw new GoFlagError(
          hasValue
            ? `invalid boolean value ${goQuote(value)} for -${name}: ${(e as Error).message}`
            : `invalid boolean flag ${name}: ${(e as Error).message}`,
        );
      }
    } else {
      if (!hasValue && i < argv.length) {
        hasValue = true;
        value = argv[i]!;
        i++;
      }
      if (!hasValue) throw new GoFlagError(`flag needs an argument: -${name}`);
      try {
        def.set(value);
      } catch (e) {
        throw new GoFlagError(
          `invalid value ${goQuote(value)} for flag -${name}: ${(e as Error).message}`,
        );
      }
    }
    set.add(name);
  }
  return { set, args: argv.slice(i) };
}

/** Go's %q for the strings that reach flag messages (JSON quoting is close enough for ASCII). */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** strconv.ParseBool; throws "parse error" as Go's flag package reports it. */
export function parseGoBool(s: string): boolean {
  const v = parseStrconvBool(s);
  if (v === null) throw new Error('parse error');
  return v;
}

const UINT64_MAX = (1n << 64n) - 1n;

/** strconv.ParseUint(s, 0, 64) (base prefixes 0x, 0o, 0b, leading-0 octal, underscores). */
export function parseGoUint(s: string, max: bigint = UINT64_MAX): bigint {
  let body = s;
  let base = 10;
  let prefixed = false;
  if (/^0[xX]/.test(body)) {
    base = 16;
    body = body.slice(2);
    prefixed = true;
  } else if (/^0[oO]/.test(body)) {
    base = 8;
    body = body.slice(2);
    prefixed = true;
  } else if (/^0[bB]/.test(body)) {
    base = 2;
    body = body.slice(2);
    prefixed = true;
  } else if (body.length > 1 && body[0] === '0') {
    base = 8;
    body = body.slice(1);
    prefixed = true;
  }
  if (body.includes('_')) {
    // Go allows underscores only between digits or right after a base prefix.
    const ok = prefixed ? /^_?[^_]+(_[^_]+)*$/.test(body) : /^[^_]+(_[^_]+)*$/.test(body);
    if (!ok) throw new Error('parse error');
    body = body.replaceAll('_', '');
  }
  if (body.length === 0) throw new Error('parse error');
  const digits =
    base === 16 ? /^[0-9a-fA-F]+$/ : base === 8 ? /^[0-7]+$/ : base === 2 ? /^[01]+$/ : /^[0-9]+$/;
  if (!digits.test(body)) throw new Error('parse error');
  let v = 0n;
  const b = BigInt(base);
  for (const c of body) v = v * b + BigInt(Number.parseInt(c, base));
  if (v > max) throw new Error('value out of range');
  return v;
}
