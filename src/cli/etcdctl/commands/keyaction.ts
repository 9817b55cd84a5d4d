// What the key commands share: rawhandle (sync, then the request) and the print step of
// handleKey/handleAll/handleDir in 2.0.13's etcdctl.
import { type Client, ClusterError, type KeysResponse } from '../../../client/index.js';
import { type Ctl, Exit, ExitServerError } from '../context.js';
import { printKeyOnly } from '../format.js';
import { type FlagValues, intFlag } from '../goflag.js';

/** A go-etcd call: the response, or an error that etcdctl prints with code 4. */
export async function request(
  ctl: Ctl,
  fn: (c: Client) => Promise<KeysResponse>,
): Promise<KeysResponse> {
  const c = await ctl.client();
  try {
    unreachable(ctl);
    return await fn(c);
  } catch (e) {
    if (e instanceof Exit) throw e;
    ctl.handleError(ExitServerError, e);
  }
}

/** The first argument, or `Error:  Key required` (after the sync, as there). */
export function keyArg(ctl: Ctl, args: string[]): string {
  if (args.length === 0) ctl.handleError(ExitServerError, new Error('Key required'));
  return args[0]!;
}

/** printKey: a directory is an error. */
export function printKey(ctl: Ctl, r: KeysResponse): void {
  if (r.node.dir === true) {
    ctl.err(`Cannot print key [${r.node.key}: Is a directory]\n`);
    ctl.exit(1);
  }
  printKeyOnly(ctl, r, ctl.output);
}

/** printAll: a directory prints nothing. */
export function printAll(ctl: Ctl, r: KeysResponse): void {
  if (r.node.dir !== true) printKeyOnly(ctl, r, ctl.output);
}

/** After a sync that found no machines, every go-etcd request fails as unreachable. */
export function unreachable(ctl: Ctl): void {
  if (ctl.noMachines) throw new ClusterError([]);
}

export const AFTER_INDEX_FLAG = intFlag('after-index', 'watch after the given index');

/** watch and exec-watch: the watch go-etcd starts (no reconnect), Ctrl-C exiting 0. */
export function startWatch(
  ctl: Ctl,
  client: Client,
  key: string,
  flags: FlagValues,
): AsyncGenerator<KeysResponse, void, undefined> {
  if (ctl.noMachines) ctl.handleError(ExitServerError, new ClusterError([]));
  process.once('SIGINT', () => process.exit(0));
  return client.watch(key, {
    recursive: flags.bool('recursive'),
    afterIndex: flags.int('after-index'),
    reconnect: false,
  });
}
