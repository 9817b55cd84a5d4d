// etcdctl set <key> <value> (with --ttl, --swap-with-value, --swap-with-index)
import type { KeysResponse } from '../../../client/index.js';
import { ExitBadArgs, ExitServerError, type Ctl } from '../context.js';
import { printResponseKey } from '../format.js';
import type { FlagValues } from '../goflag.js';
import { type CommandSpec, TTL_FLAG } from '../spec.js';
import { argOrStdin } from './stdin.js';

export const setCommand: CommandSpec = {
  name: 'set',
  usage: 'set the value of a key',
  argsUsage: '<key> <value>',
  description:
    "Set sets the value of a key.\n\n   When <value> begins with '-', <value> is interpreted as a flag.\n   Insert '--' for workaround:\n\n   $ set -- <key> <value>",
  flags: [
    TTL_FLAG,
    { names: ['swap-with-value'], kind: 'string', usage: 'previous value' },
    { names: ['swap-with-index'], kind: 'int', usage: 'previous index', value: 0 },
  ],
  async action(ctl: Ctl, flags: FlagValues, args: string[]) {
    const client = await ctl.client();
    if (args.length === 0) ctl.handleError(ExitBadArgs, new Error('key required'));
    const value = await argOrStdin(ctl, args, 1);
    if (value === null) ctl.handleError(ExitBadArgs, new Error('value required'));
    const signal = ctl.totalTimeout();
    let resp: KeysResponse;
    try {
      resp = await client.set(args[0]!, value, {
        ttl: flags.int('ttl'),
        prevValue: flags.string('swap-with-value'),
        prevIndex: flags.int('swap-with-index'),
        signal,
      });
    } catch (e) {
      ctl.handleError(ExitServerError, ctl.deadline(e, signal));
    }
    printResponseKey(ctl, resp, ctl.output);
  },
};
