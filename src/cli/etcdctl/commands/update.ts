// etcdctl update <key> <value>: the key must exist
import type { KeysResponse } from '../../../client/index.js';
import { ExitBadArgs, ExitServerError, type Ctl } from '../context.js';
import { printResponseKey } from '../format.js';
import type { FlagValues } from '../goflag.js';
import { type CommandSpec, TTL_FLAG } from '../spec.js';
import { argOrStdin } from './stdin.js';

export const updateCommand: CommandSpec = {
  name: 'update',
  usage: 'update an existing key with a given value',
  argsUsage: '<key> <value>',
  flags: [TTL_FLAG],
  async action(ctl: Ctl, flags: FlagValues, args: string[]) {
    const client = await ctl.client();
    if (args.length === 0) ctl.handleError(ExitBadArgs, new Error('key required'));
    const value = await argOrStdin(ctl, args, 1);
    if (value === null) ctl.handleError(ExitBadArgs, new Error('value required'));
    const signal = ctl.totalTimeout();
    let resp: KeysResponse;
    try {
      resp = await client.set(args[0]!, value, { ttl: flags.int('ttl'), prevExist: true, signal });
    } catch (e) {
      ctl.handleError(ExitServerError, ctl.deadline(e, signal));
    }
    printResponseKey(ctl, resp, ctl.output);
  },
};
