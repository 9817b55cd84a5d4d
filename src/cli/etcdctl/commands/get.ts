// etcdctl get <key>
import { ExitBadArgs, ExitServerError, type Ctl } from '../context.js';
import { printResponseKey } from '../format.js';
import type { FlagValues } from '../goflag.js';
import type { CommandSpec } from '../spec.js';

export const getCommand: CommandSpec = {
  name: 'get',
  usage: 'retrieve the value of a key',
  argsUsage: '<key>',
  flags: [
    { names: ['sort'], kind: 'bool', usage: 'returns result in sorted order' },
    { names: ['quorum', 'q'], kind: 'bool', usage: 'require quorum for get request' },
  ],
  async action(ctl: Ctl, flags: FlagValues, args: string[]) {
    const client = await ctl.client();
    if (args.length === 0) ctl.handleError(ExitBadArgs, new Error('key required'));
    const signal = ctl.totalTimeout();
    let resp: Awaited<ReturnType<typeof client.get>>;
    try {
      resp = await client.get(args[0]!, {
        sorted: flags.bool('sort'),
        quorum: flags.bool('quorum'),
        signal,
      });
    } catch (e) {
      ctl.handleError(ExitServerError, ctl.deadline(e, signal));
    }
    if (resp.node.dir === true) {
      ctl.err(`${resp.node.key}: is a directory\n`);
      ctl.exit(1);
    }
    printResponseKey(ctl, resp, ctl.output);
  },
};
