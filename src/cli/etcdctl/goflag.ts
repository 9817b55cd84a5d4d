// Command-line parsing as etcdctl's (urfave/cli v1 over Go's flag package): `-f`, `--f`,
// `-f=v`, `-f v`; the first non-flag ends the flags; `--` is consumed. Commands reorder
// their arguments first so flags may follow the key. Errors carry Go's messages.

import { parseGoBool } from '../../pkg/go-strconv.js';
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

export class FlagError extends Error {}

export interface Parsed {
  values: Map<string, FlagValue>;
  args: string[];
}

function find(defs: readonly FlagDef[], name: string): FlagDef | undefined {
  for (const d of defs) if (d.names.includes(name)) return d;
  return undefined;
}

/** strconv.ParseInt(s, 0, 64) for the values etcdctl takes (TTLs and indexes). */
export function parseGoInt(s: string): number | null {
  const m = /^([+-]?)(?:0[xX]([0-9a-fA-F]+)|0[bB]([01]+)|0[oO]?([0-7]+)|([1-9][0-9]*|0))$/.exec(s);
  if (m === null) return null;
  let n: number;
  if (m[2] !== undefined) n = Number.parseInt(m[2], 16);
  else if (m[3] !== undefined) n = Number.parseInt(m[3], 2);
  else if (m[4] !== undefined) n = Number.parseInt(m[4], 8);
  else n = Number.parseInt(m[5]!, 10);
  if (!Number.isSafeInteger(n)) return null;
  return m[1] === '-' ? -n : n;
}

const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** time.ParseDuration, in milliseconds. */
export function parseGoDuration(s: string): number | null {
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return null;
  let total = 0;
  const re = /^([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest !== '') {
    const m = re.exec(rest);
    if (m === null || m[1] === '' || m[1] === '.') return null;
    total += Number(m[1]) * UNITS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}

function setValue(values: Map<string, FlagValue>, def: FlagDef, name: string, raw: string): void {
  let v: FlagValue;
  if (def.kind === 'bool') {
    const b = parseGoBool(raw);
    if (b === null)
      throw new FlagError(`invalid boolean value ${goQuote(raw)} for -${name}: parse error`);
    v = b;
  } else if (def.kind === 'int') {
    const n = parseGoInt(raw);
    if (n === null)
      throw new FlagError(`invalid value ${goQuote(raw)} for flag -${name}: parse error`);
    v = n;
  } else if (def.kind === 'duration') {
    const n = parseGoDuration(raw);
    if (n === null)
      throw new FlagError(`invalid value ${goQuote(raw)} for flag -${name}: parse error`);
    v = n;
  } else {
    v = raw;
  }
  for (const n of def.names) values.set(n, v);
}

/** Go's %q for the ASCII strings in flag errors. */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** flag.FlagSet.Parse. */
export function parseGoFlags(defs: readonly FlagDef[], argv: readonly string[]): Parsed {
  const values = new Map<string, FlagValue>();
  for (const d of defs) {
    const v = d.value ?? (d.kind === 'bool' ? false : d.kind === 'string' ? '' : 0);
    for (const n of d.names) values.set(n, v);
  }
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
      throw new FlagError(`bad flag syntax: ${s}`);
    }
    i++;
    let value: string | null = null;
    const eq = name.indexOf('=');
    if (eq > 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const def = find(defs, name);
    if (def === undefined) throw new FlagError(`flag provided but not defined: -${name}`);
    if (def.kind === 'bool') {
      setValue(values, def, name, value ?? 'true');
      continue;
    }
    if (value === null) {
      if (i >= argv.length) throw new FlagError(`flag needs an argument: -${name}`);
      value = argv[i]!;
      i++;
    }
    setValue(values, def, name, value);
  }
  return { values, args: argv.slice(i) };
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
