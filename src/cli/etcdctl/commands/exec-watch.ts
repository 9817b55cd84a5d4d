// etcdctl exec-watch <key> -- <command> [args...]: runs the command on every change with
// ETCD_WATCH_ACTION, ETCD_WATCH_KEY, ETCD_WATCH_VALUE and ETCD_WATCH_MODIFIED_INDEX set.
import { spawn } from 'node:child_process';
import type { KeysResponse } from '../../../client/index.js';
import { ExitBadArgs, ExitServerError, type Ctl } from '../context.js';
import type { FlagValues } from '../goflag.js';
import type { CommandSpec } from '../spec.js';

function environ(resp: KeysResponse, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...env,
    ETCD_WATCH_ACTION: resp.action,
    ETCD_WATCH_MODIFIED_INDEX: String(resp.node.modifiedIndex),
    ETCD_WATCH_KEY: resp.node.key,
    ETCD_WATCH_VALUE: resp.node.value ?? '',
  };
}

export const execWatchCommand: CommandSpec = {
  name: 'exec-watch',
  usage: 'watch a key for changes and exec an executable',
  argsUsage: '<key> <command> [args...]',
  flags: [
    { names: ['after-index'], kind: 'int', usage: 'watch after the given index', value: 0 },
    { names: ['recursive', 'r'], kind: 'bool', usage: 'watch all values for key and child keys' },
  ],
  async action(ctl: Ctl, flags: FlagValues, args: string[]) {
    const client = await ctl.client();
    if (args.length < 2)
      ctl.handleError(ExitBadArgs, new Error('key and command to exec required'));
    let key: string;
    let cmdArgs: string[];
    if (args.some((a, i) => a === '--' && i !== 0)) {
      key = args[0]!;
      cmdArgs = args.slice(2);
    } else {
      // Without `--` the flag parser leaves the key last.
      key = args[args.length - 1]!;
      cmdArgs = args.slice(0, -1);
    }
    process.once('SIGINT', () => process.exit(0));
    const w = client.watch(key, {
      recursive: flags.bool('recursive'),
      afterIndex: flags.int('after-index'),
      reconnect: false,
    });
    try {
      for await (const resp of w) {
        if (resp.node.dir === true) {
          ctl.err(`Ignored dir ${resp.node.key} change\n`);
          continue;
        }
        const child = spawn(cmdArgs[0]!, cmdArgs.slice(1), {
          env: environ(resp, ctl.env),
          stdio: 'inherit',
        });
        child.on('error', (err: NodeJS.ErrnoException) => {
          const msg =
            err.code === 'ENOENT'
              ? `exec: ${JSON.stringify(cmdArgs[0])}: executable file not found in $PATH`
              : err.message;
          process.stderr.write(msg);
          process.exit(1);
        });
      }
    } catch (e) {
      ctl.handleError(ExitServerError, e);
    }
  },
};
