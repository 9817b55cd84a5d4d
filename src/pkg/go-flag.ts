// Command-line parsing with the rules and messages of Go's flag package, shared by etcd
// (a flag.FlagSet) and etcdctl (urfave/cli over flag): `-f`, `--f`, `-f=v`, `--f=v`,
// `-f v` (not for booleans), `--` ends the flags, the first non-flag argument stops
// parsing, a repeated flag keeps the last value. Each tool supplies its flags.

/** A flag's value: `set` throws an Error whose message Go prints after the colon. */
export interface GoFlag {
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

export interface GoFlagOptions {
  /** -h / -help, when not defined, is flag.ErrHelp rather than an unknown flag. */
  helpFlags?: boolean;
}

export interface GoFlagResult {
  /** Flags set on the command line, in order of first appearance. */
  set: Set<string>;
  /** Arguments left after the flags. */
  args: string[];
}

/** flag.FlagSet.Parse. */
export function parseGoFlags(
  argv: readonly string[],
  lookup: (name: string) => GoFlag | undefined,
  opts: GoFlagOptions = {},
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
    const def = lookup(name);
    if (!def) {
      if (opts.helpFlags === true && (name === 'help' || name === 'h')) {
        throw new GoFlagError('', true);
      }
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
