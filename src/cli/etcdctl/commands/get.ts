// etcdctl get <key> [--sort]
import { request, keyArg, printKey } from './keyaction.js';
import { type CommandSpec, SORT_FLAG } from '../spec.js';

export const getCommand: CommandSpec = {
  name: 'get',
  usage: 'retrieve the value of a key',
  argsUsage: '',
  flags: [SORT_FLAG],
  async action(ctl, flags, args) {
    const resp = await request(ctl, (c) =>
      c.get(keyArg(ctl, args), { sorted: flags.bool('sort') }),
    );
    if (resp.node.dir === true) {
      ctl.err(`${resp.node.key}: is a directory\n`);
      ctl.exit(1);
    }
    printKey(ctl, resp);
  },
};
