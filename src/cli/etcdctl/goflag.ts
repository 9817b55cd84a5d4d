// Command-line parsing as 2.0.13's etcdctl (codegangsta/cli over Go's flag package):
// `-f`, `--f`, `-f=v`, `-f v`; the first non-flag ends the flags; `--` is consumed. A
// command parses from its first `-` argument on, so flags may follow the key. Errors carry
// Go's messages.

import { type GoFlag, GoFlagError, parseGoFlags as parseFlags } from '../../pkg/go-flag.js';
import { parseGoBool, parseGoInt as parseGoIntBig } from '../../pkg/go-strconv.js';
export type FlagKind = 'bool' | 'string' | 'int';

export interface FlagDef {
  /** The flag's names, long first: ['recursive', 'r']. */
  names: string[];
  kind: FlagKind;
  usage: string;
  /** Default shown in help and used when absent. */
  value?: string | number | boolean;
  /** What help shows quoted as the default when not `value` (a string-slice flag). */
  shownValue?: string;
}

export type FlagValue = string | number | boolean;

/** Names as a flag declaration gives them: one, or the long one first (['peers', 'C']). */
type Names = string | string[];

const namesOf = (n: Names): string[] => (typeof n === 'string' ? [n] : n);

// Flag declarations by kind; a string flag's default is '' and an int's 0, as in Go.

export function boolFlag(names: Names, usage: string): FlagDef {
  return { names: namesOf(names), kind: 'bool', usage };
}

export function stringFlag(names: Names, usage: string, value = ''): FlagDef {
  return { names: namesOf(names), kind: 'string', usage, value };
}

export function intFlag(names: Names, usage: string, value = 0): FlagDef {
  return { names: namesOf(names), kind: 'int', usage, value };
}

export { GoFlagError as FlagError };

export interface Parsed {
  values: Map<string, FlagValue>;
  args: string[];
  /** The names given on the command line, in order. */
  seen: string[];
}

function find(defs: readonly FlagDef[], name: string): FlagDef | undefined {
  for (const d of defs) if (d.names.includes(name)) return d;
  return undefined;
}

/** strconv.ParseInt(s, 0, 64) for the values etcdctl takes (TTLs and indexes), or null. */
export function parseGoInt(s: string): number | null {
  try {
    const n = Number(parseGoIntBig(s, 0));
    return Number.isSafeInteger(n) ? n : null;
  } catch {
    return null;
  }
}

/** A flag's value as the shared parser sets it: all of a flag's names get it. */
function goFlag(values: Map<string, FlagValue>, def: FlagDef): GoFlag {
  const put = (v: FlagValue) => {
    for (const n of def.names) values.set(n, v);
  };
  const parse = (raw: string, p: (s: string) => FlagValue | null) => {
    const v = p(raw);
    if (v === null) throw new Error('parse error');
    put(v);
  };
  switch (def.kind) {
    case 'bool':
      return { bool: true, set: (raw) => parse(raw, parseGoBool) };
    case 'int':
      return { bool: false, set: (raw) => parse(raw, parseGoInt) };
    default:
      return { bool: false, set: put };
  }
}

/** flag.FlagSet.Parse over etcdctl's flags, defaults applied. */
export function parseGoFlags(defs: readonly FlagDef[], argv: readonly string[]): Parsed {
  const values = new Map<string, FlagValue>();
  for (const d of defs) {
    const v = d.value ?? (d.kind === 'bool' ? false : d.kind === 'string' ? '' : 0);
    for (const n of d.names) values.set(n, v);
  }
  const seen: string[] = [];
  const r = parseFlags(argv, (name) => {
    const d = find(defs, name);
    if (d !== undefined && !seen.includes(name)) seen.push(name);
    return d === undefined ? undefined : goFlag(values, d);
  });
  return { values, args: r.args, seen };
}

/** codegangsta/cli's normalizeFlags: two names of one flag both given is an error. */
export function twoForms(defs: readonly FlagDef[], p: Parsed): string | null {
  for (const d of defs) {
    let first: string | null = null;
    for (const n of d.names) {
      if (!p.seen.includes(n)) continue;
      if (first !== null) return `Cannot use two forms of the same flag: ${n} ${first}`;
      first = n;
    }
  }
  return null;
}

/**
 * codegangsta/cli's Command.Run (2.0.13's copy): from the first argument starting with
 * `-` on, the arguments are parsed first, then those ahead of it.
 */
export function commandArgs(args: readonly string[]): string[] {
  const i = args.findIndex((a) => a.startsWith('-'));
  return i < 0 ? [...args] : [...args.slice(i), ...args.slice(0, i)];
}

/** Reads a flag with its default applied. */
export class FlagValues {
  constructor(private readonly values: Map<string, FlagValue>) {}
  bool(name: string): boolean {
    return this.values.get(name) === true;
  }
  string(name: string): string {
    const v = this.values.get(name);
    return typeof v === 'string' ? v : '';
  }
  int(name: string): number {
    const v = this.values.get(name);
    return typeof v === 'number' ? v : 0;
  }
}
