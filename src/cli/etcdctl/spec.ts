// What a command is: its help metadata, flags and action.
import type { Ctl } from './context.js';
import type { FlagDef, FlagValues } from './goflag.js';

export interface CommandSpec {
  name: string;
  aliases?: string[];
  usage: string;
  argsUsage: string;
  description?: string;
  flags: FlagDef[];
  /** Subcommands (member): the command is then a sub-application. */
  subcommands?: CommandSpec[];
  action?: (ctl: Ctl, flags: FlagValues, args: string[]) => Promise<void>;
}

export const TTL_FLAG: FlagDef = {
  names: ['ttl'],
  kind: 'int',
  usage: 'key time-to-live',
  value: 0,
};

export const SORT_FLAG: FlagDef = {
  names: ['sort'],
  kind: 'bool',
  usage: 'returns result in sorted order',
};

export const RECURSIVE_FLAG: FlagDef = {
  names: ['recursive'],
  kind: 'bool',
  usage: 'returns all values for key and child keys',
};
