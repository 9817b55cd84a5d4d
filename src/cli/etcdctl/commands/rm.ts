// etcdctl rm <key> (--dir, --recursive, --with-value, --with-index)
import type { KeysResponse } from '../../../client/index.js';
import { ExitBadArgs, ExitServerError, type Ctl } from '../context.js';
import { printResponseKey } from '../format.js';
import type { FlagValues } from '../goflag.js';
import type { CommandSpec } from '../spec.js';

export const rmCommand: CommandSpec = {
  name: 'rm',
  usage: 'remove a key or a directory',
  argsUsage: '<key>',
  flags: [
    {
      names: ['dir'],
      kind: 'bool',
      usage: 'removes the key if it is an empty directory or a key-value pair',
    },
    {
      names: ['recursive', 'r'],
      kind: 'bool',
      usage: 'removes the key and all child keys(if it is a directory)',
    },
    { names: ['with-value'], kind: 'string', usage: 'previous value' },
    { names: ['with-index'], kind: 'int', usage: 'previous index', value: 0 },
  ],
  async action(ctl: Ctl, flags: FlagValues, args: string[]) {
    const client = await ctl.client();
    if (args.length === 0) ctl.handleError(ExitBadArgs, new Error('key required'));
    const signal = ctl.totalTimeout();
    let resp: KeysResponse;
    try {
      resp = await client.delete(args[0]!, {
        prevIndex: flags.int('with-index'),
        prevValue: flags.string('with-value'),
        dir: flags.bool('dir'),
        recursive: flags.bool('recursive'),
        signal,
      });
    } catch (e) {
      ctl.handleError(ExitServerError, ctl.deadline(e, signal));
    }
    if (resp.node.dir !== true || ctl.output !== 'simple') printResponseKey(ctl, resp, ctl.output);
  },
};
