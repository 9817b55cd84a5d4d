// etcdctl watch <key> (--forever, --after-index, --recursive); printAll per event
import { ClusterError } from '../../../client/index.js';
import { ExitServerError } from '../context.js';
import type { CommandSpec } from '../spec.js';
import { keyArg, printAll } from './keyaction.js';

export const watchCommand: CommandSpec = {
  name: 'watch',
  usage: 'watch a key for changes',
  argsUsage: '',
  flags: [
    { names: ['forever'], kind: 'bool', usage: 'forever watch a key until CTRL+C' },
    { names: ['after-index'], kind: 'int', usage: 'watch after the given index', value: 0 },
    { names: ['recursive'], kind: 'bool', usage: 'returns all values for key and child keys' },
  ],
  async action(ctl, flags, args) {
    const client = await ctl.client();
    const key = keyArg(ctl, args);
    const forever = flags.bool('forever');
    if (ctl.noMachines) ctl.handleError(ExitServerError, new ClusterError([]));
    process.once('SIGINT', () => process.exit(0));
    const w = client.watch(key, {
      recursive: flags.bool('recursive'),
      afterIndex: flags.int('after-index'),
      reconnect: false,
    });
    try {
      for await (const resp of w) {
        printAll(ctl, resp);
        if (!forever) break;
      }
    } catch (e) {
      // --forever exits with handleError(-1, ...): 255.
      ctl.handleError(forever ? 255 : ExitServerError, e);
    }
  },
};
