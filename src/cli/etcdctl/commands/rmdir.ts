// etcdctl rmdir <key>: removes an empty directory
import type { KeysResponse } from '../../../client/index.js';
import { ExitBadArgs, ExitServerError, type Ctl } from '../context.js';
import { printResponseKey } from '../format.js';
import type { FlagValues } from '../goflag.js';
import type { CommandSpec } from '../spec.js';

export const rmdirCommand: CommandSpec = {
  name: 'rmdir',
  usage: 'removes the key if it is an empty directory or a key-value pair',
  argsUsage: '<key>',
  flags: [],
  async action(ctl: Ctl, _flags: FlagValues, args: string[]) {
    const client = await ctl.client();
    if (args.length === 0) ctl.handleError(ExitBadArgs, new Error('key required'));
    const signal = ctl.totalTimeout();
    let resp: KeysResponse;
    try {
      resp = await client.delete(args[0]!, { dir: true, signal });
    } catch (e) {
      ctl.handleError(ExitServerError, ctl.deadline(e, signal));
    }
    if (resp.node.dir !== true || ctl.output !== 'simple') printResponseKey(ctl, resp, ctl.output);
  },
};
