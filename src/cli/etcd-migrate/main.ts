// `etcd-migrate --data-dir=<PATH> [--name=<NAME>]`, as etcd 2.0's tool: upgrades an etcd
// 0.4 data dir in place (a 0.4 standby's becomes a proxy's; a 2.0.0 dir gets member/).
// Exit 0 when the dir is upgraded or needed nothing, 1 with the reason otherwise; a failed
// upgrade changes nothing.
import { log } from '../../pkg/logger.js';
import { upgradeDataDir } from '../../migrate/upgrade.js';
import { type GoFlag, GoFlagError, parseGoFlags } from '../../pkg/go-flag.js';

const USAGE = `Usage of etcd-migrate:
  -data-dir string
    \tetcd v0.4 data-dir
  -name string
    \tetcd node name
`;

export async function main(argv: string[]): Promise<number> {
  let dataDir = '';
  let name = '';
  const defs = new Map<string, GoFlag>([
    ['data-dir', { bool: false, set: (v) => void (dataDir = v) }],
    ['name', { bool: false, set: (v) => void (name = v) }],
  ]);
  try {
    parseGoFlags(argv, (n) => defs.get(n), { helpFlags: true });
  } catch (e) {
    if (e instanceof GoFlagError) {
      if (!e.help) process.stderr.write(`${e.message}\n`);
      process.stderr.write(USAGE);
      return e.help ? 0 : 2;
    }
    throw e;
  }
  if (dataDir === '') {
    log.print('Must provide -data-dir flag');
    return 1;
  }
  try {
    const r = await upgradeDataDir(dataDir, name === '' ? {} : { name });
    if (r.was === 'member' || r.was === 'proxy') {
      log.print(`etcd-migrate: ${dataDir} is already a 2.0 ${r.was} dir; nothing to do`);
    } else if (r.was === 'empty') {
      log.print(`etcd-migrate: ${dataDir} holds no etcd data dir to upgrade`);
      return 1;
    }
    return 0;
  } catch (e) {
    log.print(`Failed migrating data-dir: ${(e as Error).message}`);
    return 1;
  }
}
