// etcdctl ls [key] (--sort, --recursive, -p, --quorum)
import type { EtcdNode, KeysResponse } from '../../../client/index.js';
import { type Ctl, ExitServerError } from '../context.js';
import { printResponseKey } from '../format.js';
import type { FlagValues } from '../goflag.js';
import type { CommandSpec } from '../spec.js';

function rPrint(ctl: Ctl, n: EtcdNode, slash: boolean): void {
  ctl.out(n.dir === true && slash ? `${n.key}/\n` : `${n.key}\n`);
  for (const c of n.nodes ?? []) rPrint(ctl, c, slash);
}

export const lsCommand: CommandSpec = {
  name: 'ls',
  usage: 'retrieve a directory',
  argsUsage: '[key]',
  flags: [
    { names: ['sort'], kind: 'bool', usage: 'returns result in sorted order' },
    {
      names: ['recursive', 'r'],
      kind: 'bool',
      usage: 'returns all key names recursively for the given path',
    },
    { names: ['p'], kind: 'bool', usage: 'append slash (/) to directories' },
    { names: ['quorum', 'q'], kind: 'bool', usage: 'require quorum for get request' },
  ],
  async action(ctl: Ctl, flags: FlagValues, args: string[]) {
    const client = await ctl.client();
    const key = args.length > 0 ? args[0]! : '/';
    const signal = ctl.totalTimeout();
    let resp: KeysResponse;
    try {
      resp = await client.get(key, {
        sorted: flags.bool('sort'),
        recursive: flags.bool('recursive'),
        quorum: flags.bool('quorum'),
        signal,
      });
    } catch (e) {
      ctl.handleError(ExitServerError, ctl.deadline(e, signal));
    }
    if (ctl.output === 'simple') {
      if (resp.node.dir !== true) ctl.out(`${resp.node.key}\n`);
      for (const n of resp.node.nodes ?? []) rPrint(ctl, n, flags.bool('p'));
    } else {
      printResponseKey(ctl, resp, ctl.output);
    }
  },
};
