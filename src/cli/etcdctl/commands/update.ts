// etcdctl update <key> <value>: an existing key only
import { ExitServerError } from '../context.js';
import { type CommandSpec, TTL_FLAG } from '../spec.js';
import { keyArg, printKey, request } from './keyaction.js';
import { argOrStdin } from './stdin.js';

export const updateCommand: CommandSpec = {
  name: 'update',
  usage: 'update an existing key with a given value',
  argsUsage: '',
  flags: [TTL_FLAG],
  async action(ctl, flags, args) {
    const resp = await request(ctl, async (c) => {
      const key = keyArg(ctl, args);
      const value = await argOrStdin(ctl, args, 1);
      if (value === null) return ctl.handleError(ExitServerError, new Error('Value required'));
      return c.set(key, value, { ttl: flags.int('ttl'), prevExist: true });
    });
    printKey(ctl, resp);
  },
};
