// etcdctl import --snap <file>: 2.0.13's loader of an etcd 0.4.x snapshot into a cluster.
// Its command line and its errors about the file are 2.0.13's; reading a 0.4 snapshot is
// not implemented here, and says so.
import { readFileSync } from 'node:fs';
import type { CommandSpec } from '../spec.js';

export const importCommand: CommandSpec = {
  name: 'import',
  usage: 'import a snapshot to a cluster',
  argsUsage: '',
  flags: [
    { names: ['snap'], kind: 'string', usage: 'Path to the vaild etcd 0.4.x snapshot.' },
    {
      names: ['hidden'],
      kind: 'string',
      usage: 'Hidden key spaces to import from snapshot',
      shownValue: '--hidden option --hidden option',
    },
    {
      names: ['c'],
      kind: 'int',
      usage: 'Number of concurrent clients to import the data',
      value: 10,
    },
  ],
  async action(ctl, flags) {
    const snap = flags.string('snap');
    try {
      readFileSync(snap);
    } catch {
      ctl.out(
        snap === ''
          ? 'no snapshot file provided (use --snap)\n'
          : `cannot read snapshot file ${snap}\n`,
      );
      ctl.exit(1);
    }
    ctl.out(
      'cannot recover the snapshot file: importing a 0.4.x snapshot is not supported by this etcdctl\n',
    );
    ctl.exit(1);
  },
};
