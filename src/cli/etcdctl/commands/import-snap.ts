// etcdctl import --snap <file>: 2.0.13's loader of an etcd 0.4.x store snapshot (the store's
// JSON) into a running cluster. Every key under "/" (and under each --hidden key space) is
// set through the client by -c concurrent workers; a TTL under 300 s is extended to 300 s,
// as 2.0.13 does, so keys do not expire while the import runs.
import { readFileSync } from 'node:fs';
import type { Client } from '../../../client/client.js';
import type { NodeExtern } from '../../../store/event.js';
import { Store } from '../../../store/store.js';
import { ExitServerError } from '../context.js';
import { intFlag, stringFlag } from '../goflag.js';
import type { CommandSpec } from '../spec.js';

const MIN_TTL = 300;

interface KeyToSet {
  key: string;
  value: string;
  ttl: number;
}

/** The files under n, in order, telling of each directory entered (2.0.13's copyKeys). */
function collectKeys(n: NodeExtern, out: KeyToSet[], log: (line: string) => void): void {
  if (!n.dir) {
    out.push({ key: n.key, value: n.value ?? '', ttl: n.ttl });
    return;
  }
  log(`entering dir: ${n.key}\n`);
  for (const child of n.nodes ?? []) collectKeys(child, out, log);
}

async function setAll(c: Client, keys: KeyToSet[], workers: number, log: (l: string) => void) {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const s = keys[next++]!;
      log(`copying key: ${s.key}\n`);
      let ttl = s.ttl;
      if (ttl !== 0 && ttl < MIN_TTL) {
        log(`extending key ${s.key}'s ttl to ${MIN_TTL} seconds\n`);
        ttl = MIN_TTL;
      }
      await c.set(s.key, s.value, { ttl });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, workers) }, worker));
}

export const importCommand: CommandSpec = {
  name: 'import',
  usage: 'import a snapshot to a cluster',
  argsUsage: '',
  flags: [
    stringFlag('snap', 'Path to the vaild etcd 0.4.x snapshot.'),
    {
      names: ['hidden'],
      kind: 'string',
      usage: 'Hidden key spaces to import from snapshot',
      shownValue: '--hidden option --hidden option',
    },
    intFlag('c', 'Number of concurrent clients to import the data', 10),
  ],
  async action(ctl, flags) {
    const snap = flags.string('snap');
    let data: Buffer;
    try {
      data = readFileSync(snap);
    } catch {
      ctl.out(
        snap === ''
          ? 'no snapshot file provided (use --snap)\n'
          : `cannot read snapshot file ${snap}\n`,
      );
      return ctl.exit(1);
    }
    let store: Store;
    try {
      store = Store.restore(data);
    } catch (e) {
      ctl.out(`cannot recover the snapshot file: ${(e as Error).message}\n`);
      return ctl.exit(1);
    }
    const client = await ctl.client();
    const workers = flags.int('c');
    ctl.out(`starting to import snapshot ${snap} with ${workers} clients\n`);
    const log = (line: string) => ctl.err(line);
    const keys: KeyToSet[] = [];
    const now = Date.now();
    const spaces = ['/', ...(flags.string('hidden') === '' ? [] : [flags.string('hidden')])];
    try {
      for (const space of spaces) collectKeys(store.get(space, true, true, now).node, keys, log);
      await setAll(client, keys, workers, log);
    } catch (e) {
      return ctl.handleError(ExitServerError, e);
    }
    ctl.out(`finished importing ${keys.length} keys\n`);
  },
};
