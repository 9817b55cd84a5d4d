// etcdctl exec-watch <key> <command> [args...]: runs the command on every change, one at a
// time, with ETCD_WATCH_ACTION, ETCD_WATCH_MODIFIED_INDEX, ETCD_WATCH_KEY and
// ETCD_WATCH_VALUE set. As in 2.0.13 the key is the last argument, unless --after-index
// or --recursive is given: then it is the first and the command starts at the third.
import { spawn } from 'node:child_process';
import type { KeysResponse } from '../../../client/index.js';
import { ExitServerError } from '../context.js';
import { boolFlag } from '../goflag.js';
import type { CommandSpec } from '../spec.js';
import { AFTER_INDEX_FLAG, startWatch } from './keyaction.js';

function environ(resp: KeysResponse, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...env,
    ETCD_WATCH_ACTION: resp.action,
    ETCD_WATCH_MODIFIED_INDEX: String(resp.node.modifiedIndex ?? 0),
    ETCD_WATCH_KEY: resp.node.key,
    ETCD_WATCH_VALUE: resp.node.value ?? '',
  };
}

export const execWatchCommand: CommandSpec = {
  name: 'exec-watch',
  usage: 'watch a key for changes and exec an executable',
  argsUsage: '',
  flags: [AFTER_INDEX_FLAG, boolFlag('recursive', 'watch all values for key and child keys')],
  async action(ctl, flags, args) {
    const client = await ctl.client();
    if (args.length < 2)
      ctl.handleError(ExitServerError, new Error('Key and command to exec required'));
    let key = args[args.length - 1]!;
    let cmdArgs = args.slice(0, -1);
    if (flags.int('after-index') !== 0 || flags.bool('recursive')) {
      key = args[0]!;
      cmdArgs = args.slice(2);
    }
    const w = startWatch(ctl, client, key, flags);
    try {
      for await (const resp of w) {
        await new Promise<void>((resolve) => {
          const child = spawn(cmdArgs[0]!, cmdArgs.slice(1), {
            env: environ(resp, ctl.env),
            stdio: ['ignore', 'inherit', 'inherit'],
          });
          child.on('error', (err: NodeJS.ErrnoException) => {
            const msg =
              err.code === 'ENOENT'
                ? `exec: ${JSON.stringify(cmdArgs[0])}: executable file not found in $PATH`
                : err.message;
            process.stderr.write(msg);
            process.exit(1);
          });
          child.on('close', () => resolve());
        });
      }
    } catch (e) {
      ctl.handleError(ExitServerError, e);
    }
  },
};
