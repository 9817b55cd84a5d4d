// Command-line parsing as etcdctl's (urfave/cli v1 over Go's flag package): `-f`, `--f`,
// `-f=v`, `-f v`; the first non-flag ends the flags; `--` is consumed. Commands reorder
// their arguments first so flags may follow the key. Errors carry Go's messages.

import { type GoFlag, GoFlagError, parseGoFlags as parseFlags } from '../../pkg/go-flag.js';
import { parseGoBool, parseGoInt as parseGoIntBig } from '../../pkg/go-strconv.js';
import { parseGoDuration } from '../../pkg/go-time.js';

export { parseGoDuration };
export type FlagKind = 'bool' | 'string' | 'int' | 'duration';

export interface FlagDef {
  /** The flag's names, long first: ['recursive', 'r']. */
  names: string[];
  kind: FlagKind;
  usage: string;
  /** Default shown in help and used when absent. */
  value?: string | number | boolean;
}

export type FlagValue = string | number | boolean;

export { GoFlagError as FlagError };

export interface Parsed {
  values: Map<string, FlagValue>;
  args: string[];
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
    case 'duration':
      return { bool: false, set: (raw) => parse(raw, parseGoDuration) };
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
  const r = parseFlags(argv, (name) => {
    const d = find(defs, name);
    return d === undefined ? undefined : goFlag(values, d);
  });
  return { values, args: r.args };
}

function argIsFlag(defs: readonly FlagDef[], arg: string): boolean {
  if (arg === '-' || !arg.startsWith('-')) return false;
  let name = arg.startsWith('--') ? arg.slice(2) : arg.slice(1);
  name = name.split('=')[0]!;
  return find(defs, name) !== undefined;
}

/**
 * urfave/cli's reorderArgs (v1.22.2+): known flags, each with a value after it, move to
 * the front; a `--` moves to the front of the rest (so the flag parser drops it).
 */
export function reorderArgs(defs: readonly FlagDef[], args: readonly string[]): string[] {
  const flags: string[] = [];
  let rest: string[] = [];
  let mayBeValue = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (mayBeValue && !argIsFlag(defs, a)) {
      mayBeValue = false;
      flags.push(a);
    } else if (a === '--') {
      rest = ['--', ...rest, ...args.slice(i + 1)];
      break;
    } else if (argIsFlag(defs, a)) {
      flags.push(a);
      mayBeValue = !a.includes('=');
    } else {
      rest.push(a);
    }
  }
  return [...flags, ...rest];
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
