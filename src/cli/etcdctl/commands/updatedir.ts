// etcdctl updatedir <key>: the directory must exist; sets (or clears) its ttl
import type { KeysResponse } from '../../../client/index.js';
import { ExitBadArgs, ExitServerError, type Ctl } from '../context.js';
import { printResponseKey } from '../format.js';
import type { FlagValues } from '../goflag.js';
import { type CommandSpec, TTL_FLAG } from '../spec.js';

export const updatedirCommand: CommandSpec = {
  name: 'updatedir',
  usage: 'update an existing directory',
  argsUsage: '<key> <value>',
  flags: [TTL_FLAG],
  async action(ctl: Ctl, flags: FlagValues, args: string[]) {
    const client = await ctl.client();
    if (args.length === 0) ctl.handleError(ExitBadArgs, new Error('key required'));
    const signal = ctl.totalTimeout();
    let resp: KeysResponse;
    try {
      resp = await client.set(args[0]!, '', {
        dir: true,
        prevExist: true,
        ttl: flags.int('ttl'),
        signal,
      });
    } catch (e) {
      ctl.handleError(ExitServerError, ctl.deadline(e, signal));
    }
    if (ctl.output !== 'simple') printResponseKey(ctl, resp, ctl.output);
  },
};
