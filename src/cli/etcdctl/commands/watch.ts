// etcdctl watch <key> (--forever, --after-index, --recursive); printAll per event
import { ExitServerError } from '../context.js';
import { boolFlag } from '../goflag.js';
import { type CommandSpec, RECURSIVE_FLAG } from '../spec.js';
import { AFTER_INDEX_FLAG, keyArg, printAll, startWatch } from './keyaction.js';

export const watchCommand: CommandSpec = {
  name: 'watch',
  usage: 'watch a key for changes',
  argsUsage: '',
  flags: [
    boolFlag('forever', 'forever watch a key until CTRL+C'),
    AFTER_INDEX_FLAG,
    RECURSIVE_FLAG,
  ],
  async action(ctl, flags, args) {
    const client = await ctl.client();
    const key = keyArg(ctl, args);
    const forever = flags.bool('forever');
    const w = startWatch(ctl, client, key, flags);
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
