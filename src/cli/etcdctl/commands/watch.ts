// etcdctl watch <key> (--forever, --after-index, --recursive)
import { ExitBadArgs, ExitServerError, type Ctl } from '../context.js';
import { printResponseKey } from '../format.js';
import type { FlagValues } from '../goflag.js';
import type { CommandSpec } from '../spec.js';

export const watchCommand: CommandSpec = {
  name: 'watch',
  usage: 'watch a key for changes',
  argsUsage: '<key>',
  flags: [
    { names: ['forever', 'f'], kind: 'bool', usage: 'forever watch a key until CTRL+C' },
    { names: ['after-index'], kind: 'int', usage: 'watch after the given index', value: 0 },
    { names: ['recursive', 'r'], kind: 'bool', usage: 'returns all values for key and child keys' },
  ],
  async action(ctl: Ctl, flags: FlagValues, args: string[]) {
    const client = await ctl.client();
    if (args.length === 0) ctl.handleError(ExitBadArgs, new Error('key required'));
    const recursive = flags.bool('recursive');
    const forever = flags.bool('forever');
    process.once('SIGINT', () => process.exit(0));
    const w = client.watch(args[0]!, {
      recursive,
      afterIndex: flags.int('after-index'),
      reconnect: false,
    });
    try {
      for await (const resp of w) {
        if (resp.node.dir === true) continue;
        if (recursive) ctl.out(`[${resp.action}] ${resp.node.key}\n`);
        printResponseKey(ctl, resp, ctl.output);
        if (!forever) break;
      }
    } catch (e) {
      ctl.handleError(ExitServerError, e);
    }
  },
};
