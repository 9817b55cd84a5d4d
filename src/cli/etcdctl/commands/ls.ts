// etcdctl ls [key] (--sort, --recursive, -p): key names whatever the output format
import type { EtcdNode } from '../../../client/index.js';
import type { Ctl } from '../context.js';
import { boolFlag } from '../goflag.js';
import { type CommandSpec, RECURSIVE_FLAG, SORT_FLAG } from '../spec.js';
import { request } from './keyaction.js';

function rPrint(ctl: Ctl, n: EtcdNode, slash: boolean): void {
  ctl.out(n.dir === true && slash ? `${n.key}/\n` : `${n.key}\n`);
  for (const c of n.nodes ?? []) rPrint(ctl, c, slash);
}

export const lsCommand: CommandSpec = {
  name: 'ls',
  usage: 'retrieve a directory',
  argsUsage: '',
  flags: [SORT_FLAG, RECURSIVE_FLAG, boolFlag('p', 'append slash (/) to directories')],
  async action(ctl, flags, args) {
    const key = args.length > 0 ? args[0]! : '/';
    const resp = await request(ctl, (c) =>
      c.get(key, { sorted: flags.bool('sort'), recursive: flags.bool('recursive') }),
    );
    if (resp.node.dir !== true) ctl.out(`${resp.node.key}\n`);
    for (const n of resp.node.nodes ?? []) rPrint(ctl, n, flags.bool('p'));
  },
};
