// What a command is: its help metadata, flags and action.
import type { Ctl } from './context.js';
import { boolFlag, type FlagDef, type FlagValues, intFlag } from './goflag.js';

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

export const TTL_FLAG = intFlag('ttl', 'key time-to-live');
export const SORT_FLAG = boolFlag('sort', 'returns result in sorted order');
export const RECURSIVE_FLAG = boolFlag('recursive', 'returns all values for key and child keys');
