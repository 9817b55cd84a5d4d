// etcdctl rm <key> (--dir, --recursive, --with-value, --with-index); printAll
import { boolFlag, intFlag, stringFlag } from '../goflag.js';
import type { CommandSpec } from '../spec.js';
import { keyArg, printAll, request } from './keyaction.js';

export const rmCommand: CommandSpec = {
  name: 'rm',
  usage: 'remove a key',
  argsUsage: '',
  flags: [
    boolFlag('dir', 'removes the key if it is an empty directory or a key-value pair'),
    boolFlag('recursive', 'removes the key and all child keys(if it is a directory)'),
    stringFlag('with-value', 'previous value'),
    intFlag('with-index', 'previous index'),
  ],
  async action(ctl, flags, args) {
    const resp = await request(ctl, (c) => {
      const key = keyArg(ctl, args);
      const prevValue = flags.string('with-value');
      const prevIndex = flags.int('with-index');
      if (prevValue !== '' || prevIndex !== 0) return c.delete(key, { prevValue, prevIndex });
      const recursive = flags.bool('recursive');
      if (recursive || !flags.bool('dir')) return c.delete(key, { recursive });
      return c.delete(key, { dir: true });
    });
    printAll(ctl, resp);
  },
};
