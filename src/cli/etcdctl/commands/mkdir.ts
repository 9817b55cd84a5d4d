// etcdctl mkdir <key> (create only) and setdir <key> (create or update the ttl)
import type { KeysResponse } from '../../../client/index.js';
import { type Ctl, ExitBadArgs, ExitServerError } from '../context.js';
import { printResponseKey } from '../format.js';
import type { FlagValues } from '../goflag.js';
import { type CommandSpec, TTL_FLAG } from '../spec.js';

/** mkdirCommandFunc: a directory PUT; prints only in extended/json output. */
export async function mkdirAction(
  ctl: Ctl,
  flags: FlagValues,
  args: string[],
  prevExist: boolean | undefined,
): Promise<void> {
  const client = await ctl.client();
  if (args.length === 0) ctl.handleError(ExitBadArgs, new Error('key required'));
  const signal = ctl.totalTimeout();
  let resp: KeysResponse;
  try {
    resp = await client.set(args[0]!, '', { dir: true, prevExist, ttl: flags.int('ttl'), signal });
  } catch (e) {
    ctl.handleError(ExitServerError, ctl.deadline(e, signal));
  }
  if (ctl.output !== 'simple') printResponseKey(ctl, resp, ctl.output);
}

export const mkdirCommand: CommandSpec = {
  name: 'mkdir',
  usage: 'make a new directory',
  argsUsage: '<key>',
  flags: [TTL_FLAG],
  action: (ctl, flags, args) => mkdirAction(ctl, flags, args, false),
};

export const setdirCommand: CommandSpec = {
  name: 'setdir',
  usage: 'create a new directory or update an existing directory TTL',
  argsUsage: '<key>',
  flags: [TTL_FLAG],
  action: (ctl, flags, args) => mkdirAction(ctl, flags, args, undefined),
};
