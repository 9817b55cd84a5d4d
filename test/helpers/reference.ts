// Debian's etcd 3.4 with the v2 API enabled: the oracle for differential tests.
// Outside CI a test may skip when it is missing; in CI (CI=true) its absence is a failure.
import { execFileSync } from 'node:child_process';
import { reservePorts } from './ports.js';
import { type Started, start, tempDir, waitFor } from './process.js';

export const REFERENCE_ETCD = process.env.REFERENCE_ETCD ?? 'etcd';
export const REFERENCE_ETCDCTL = process.env.REFERENCE_ETCDCTL ?? 'etcdctl';

function has(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], {
      stdio: 'ignore',
      env: { ...process.env, ETCDCTL_API: '2' },
    });
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns a skip reason when the reference is not installed, or false when it is.
 * Throws in CI, where a missing reference must fail the run.
 */
export function referenceSkip(): string | false {
  if (has(REFERENCE_ETCD) && has(REFERENCE_ETCDCTL)) return false;
  if (process.env.CI === 'true') {
    throw new Error('CI=true but the reference etcd (Debian etcd-server, etcd-client) is missing');
  }
  return 'reference etcd not installed (apt-get install etcd-server etcd-client)';
}

export interface ReferenceMember {
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  process: Started;
  stop(): Promise<void>;
}

/** Starts a one-member reference etcd on free loopback ports with a fresh data dir. */
export async function startReference(name = 'ref'): Promise<ReferenceMember> {
  const [cport, pport] = await reservePorts(2);
  const dir = tempDir('etcd-ref');
  const clientUrl = `http://127.0.0.1:${cport}`;
  const peerUrl = `http://127.0.0.1:${pport}`;
  const proc = start(REFERENCE_ETCD, [
    '--enable-v2=true',
    '--name',
    name,
    '--data-dir',
    dir.path,
    '--listen-client-urls',
    clientUrl,
    '--advertise-client-urls',
    clientUrl,
    '--listen-peer-urls',
    peerUrl,
    '--initial-advertise-peer-urls',
    peerUrl,
    '--initial-cluster',
    `${name}=${peerUrl}`,
  ]);
  try {
    await waitFor(async () => {
      const r = await fetch(`${clientUrl}/v2/keys/`);
      return r.status === 200;
    }, 'reference etcd to serve');
  } catch (e) {
    await proc.stop('SIGKILL');
    dir.remove();
    throw new Error(`${(e as Error).message}\n${proc.output()}`);
  }
  return {
    clientUrl,
    peerUrl,
    dataDir: dir.path,
    process: proc,
    async stop() {
      await proc.stop('SIGTERM');
      dir.remove();
    },
  };
}
