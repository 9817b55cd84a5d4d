// etcdctl rmdir <key>: an empty directory; prints nothing
import type { CommandSpec } from '../spec.js';
import { keyArg, request } from './keyaction.js';

export const rmdirCommand: CommandSpec = {
  name: 'rmdir',
  usage: 'removes the key if it is an empty directory or a key-value pair',
  argsUsage: '',
  flags: [],
  async action(ctl, _flags, args) {
    await request(ctl, (c) => c.delete(keyArg(ctl, args), { dir: true }));
  },
};
