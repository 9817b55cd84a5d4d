// The Go etcd releases built from source by ../shared/ref-etcd/build.sh: 2.0.13 (the oracle:
// etcd, etcdctl, etcd-migrate, etcd-dump-logs), 0.4.9 (writes the data dirs 2.0 upgrades)
// and 2.3.8 (the last 2.x, for comparison). Outside CI a test may skip when they are
// missing; in CI (CI=true) their absence is a failure, never a silent skip.
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const GO_ETCD_DIR = process.env.ETCD_REF_DIR ?? join(homedir(), '.cache', 'etcd-ref');

export const GO_ETCD = {
  etcd: join(GO_ETCD_DIR, '2.0.13', 'etcd'),
  etcdctl: join(GO_ETCD_DIR, '2.0.13', 'etcdctl'),
  migrate: join(GO_ETCD_DIR, '2.0.13', 'etcd-migrate'),
  dumpLogs: join(GO_ETCD_DIR, '2.0.13', 'etcd-dump-logs'),
  etcd049: join(GO_ETCD_DIR, '0.4.9', 'etcd'),
  etcd238: join(GO_ETCD_DIR, '2.3.8', 'etcd'),
  etcdctl238: join(GO_ETCD_DIR, '2.3.8', 'etcdctl'),
} as const;

export type GoBinary = keyof typeof GO_ETCD;

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * A skip reason when one of the named Go binaries is missing, or false when all are there.
 * Throws in CI, where a missing reference must fail the run.
 */
export function goEtcdSkip(...needs: GoBinary[]): string | false {
  const want = needs.length > 0 ? needs : (['etcd', 'etcdctl'] as GoBinary[]);
  const missing = want.filter((b) => !executable(GO_ETCD[b]));
  if (missing.length === 0) return false;
  const msg = `Go etcd reference missing (${missing.map((b) => GO_ETCD[b]).join(', ')}); run ../shared/ref-etcd/build.sh`;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${msg}`);
  return msg;
}
