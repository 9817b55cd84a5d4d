// etcdctl set <key> <value> (with --ttl, --swap-with-value, --swap-with-index)
import { ExitServerError } from '../context.js';
import { type CommandSpec, TTL_FLAG } from '../spec.js';
import { keyArg, printKey, request } from './keyaction.js';
import { argOrStdin } from './stdin.js';

export const setCommand: CommandSpec = {
  name: 'set',
  usage: 'set the value of a key',
  argsUsage: '',
  flags: [
    TTL_FLAG,
    { names: ['swap-with-value'], kind: 'string', usage: 'previous value' },
    { names: ['swap-with-index'], kind: 'int', usage: 'previous index', value: 0 },
  ],
  async action(ctl, flags, args) {
    const resp = await request(ctl, async (c) => {
      const key = keyArg(ctl, args);
      const value = await argOrStdin(ctl, args, 1);
      if (value === null) return ctl.handleError(ExitServerError, new Error('Value required'));
      return c.set(key, value, {
        ttl: flags.int('ttl'),
        prevValue: flags.string('swap-with-value'),
        prevIndex: flags.int('swap-with-index'),
      });
    });
    printKey(ctl, resp);
  },
};
