// etcdctl set <key> <value> (with --ttl, --swap-with-value, --swap-with-index), mk (create
// only) and update (an existing key only): value PUTs that print the key (handleKey).
import type { SetOptions } from '../../../client/index.js';
import { ExitServerError } from '../context.js';
import { type FlagDef, type FlagValues, intFlag, stringFlag } from '../goflag.js';
import { type CommandSpec, TTL_FLAG } from '../spec.js';
import { keyArg, printKey, request } from './keyaction.js';
import { argOrStdin } from './stdin.js';

function valueCommand(
  name: string,
  usage: string,
  flags: FlagDef[],
  options: (flags: FlagValues) => SetOptions,
): CommandSpec {
  return {
    name,
    usage,
    argsUsage: '',
    flags,
    async action(ctl, flags, args) {
      const resp = await request(ctl, async (c) => {
        const key = keyArg(ctl, args);
        const value = await argOrStdin(ctl, args, 1);
        if (value === null) return ctl.handleError(ExitServerError, new Error('Value required'));
        return c.set(key, value, options(flags));
      });
      printKey(ctl, resp);
    },
  };
}

export const setCommand = valueCommand(
  'set',
  'set the value of a key',
  [
    TTL_FLAG,
    stringFlag('swap-with-value', 'previous value'),
    intFlag('swap-with-index', 'previous index'),
  ],
  (flags) => ({
    ttl: flags.int('ttl'),
    prevValue: flags.string('swap-with-value'),
    prevIndex: flags.int('swap-with-index'),
  }),
);

export const mkCommand = valueCommand(
  'mk',
  'make a new key with a given value',
  [TTL_FLAG],
  (flags) => ({ ttl: flags.int('ttl'), prevExist: false }),
);

export const updateCommand = valueCommand(
  'update',
  'update an existing key with a given value',
  [TTL_FLAG],
  (flags) => ({ ttl: flags.int('ttl'), prevExist: true }),
);
