// etcdctl mkdir <key> (create only), setdir <key> (create or update) and updatedir <key>
// (existing only): directory PUTs that print nothing (handleDir).
import { type CommandSpec, TTL_FLAG } from '../spec.js';
import { keyArg, request } from './keyaction.js';

function dirCommand(name: string, usage: string, prevExist: boolean | undefined): CommandSpec {
  return {
    name,
    usage,
    argsUsage: '',
    flags: [TTL_FLAG],
    async action(ctl, flags, args) {
      await request(ctl, (c) =>
        c.set(keyArg(ctl, args), '', { dir: true, prevExist, ttl: flags.int('ttl') }),
      );
    },
  };
}

export const mkdirCommand = dirCommand('mkdir', 'make a new directory', false);
export const setdirCommand = dirCommand('setdir', 'create a new or existing directory', undefined);
export const updatedirCommand = dirCommand('updatedir', 'update an existing directory', true);
