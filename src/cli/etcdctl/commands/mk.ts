// etcdctl mk <key> <value>: create only (or --in-order under a directory)
import type { KeysResponse } from '../../../client/index.js';
import { ExitBadArgs, ExitServerError, type Ctl } from '../context.js';
import { printResponseKey } from '../format.js';
import type { FlagValues } from '../goflag.js';
import { type CommandSpec, TTL_FLAG } from '../spec.js';
import { argOrStdin } from './stdin.js';

export const mkCommand: CommandSpec = {
  name: 'mk',
  usage: 'make a new key with a given value',
  argsUsage: '<key> <value>',
  flags: [
    { names: ['in-order'], kind: 'bool', usage: 'create in-order key under directory <key>' },
    TTL_FLAG,
  ],
  async action(ctl: Ctl, flags: FlagValues, args: string[]) {
    const client = await ctl.client();
    if (args.length === 0) ctl.handleError(ExitBadArgs, new Error('key required'));
    const value = await argOrStdin(ctl, args, 1);
    if (value === null) ctl.handleError(ExitBadArgs, new Error('value required'));
    const ttl = flags.int('ttl');
    const signal = ctl.totalTimeout();
    let resp: KeysResponse;
    try {
      resp = flags.bool('in-order')
        ? await client.createInOrder(args[0]!, value, { ttl, signal })
        : await client.set(args[0]!, value, { ttl, prevExist: false, signal });
    } catch (e) {
      ctl.handleError(ExitServerError, ctl.deadline(e, signal));
    }
    printResponseKey(ctl, resp, ctl.output);
  },
};
