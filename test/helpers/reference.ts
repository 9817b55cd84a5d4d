// The oracle for differential tests: Go etcd 2.0.13 and its etcdctl, built from source by
// ../shared/ref-etcd/build.sh (located by go-etcd.ts). Outside CI a test may skip when they
// are missing; in CI (CI=true) their absence is a failure.
//
// Debian's etcd 3.4 (`etcd --enable-v2=true`) only emulates v2; it is kept (DEBIAN_ETCD*)
// only for the few tests that need something 2.0.13 lacks, each saying why.
import { execFileSync } from 'node:child_process';
import { GO_ETCD, goEtcdSkip } from './go-etcd.js';
import { memberArgs } from './member-args.js';
import { reservePorts } from './ports.js';
import { type Started, start, tempDir, waitFor } from './process.js';

export const REFERENCE_ETCD = process.env.REFERENCE_ETCD ?? GO_ETCD.etcd;
export const REFERENCE_ETCDCTL = process.env.REFERENCE_ETCDCTL ?? GO_ETCD.etcdctl;

/**
 * Returns a skip reason when the reference is not built, or false when it is.
 * Throws in CI, where a missing reference must fail the run.
 */
export function referenceSkip(): string | false {
  if (process.env.REFERENCE_ETCD || process.env.REFERENCE_ETCDCTL) return false;
  return goEtcdSkip('etcd', 'etcdctl');
}

export const DEBIAN_ETCD = 'etcd';
export const DEBIAN_ETCDCTL = process.env.DEBIAN_ETCDCTL ?? 'etcdctl';
/** 2.0.13's etcdctl, whatever REFERENCE_ETCDCTL says. */
export const GO_ETCDCTL = GO_ETCD.etcdctl;

/** Skip reason when Debian's etcdctl 3.4 is missing (throws in CI). */
export function debianEtcdctlSkip(): string | false {
  try {
    execFileSync(DEBIAN_ETCDCTL, ['--version'], {
      stdio: 'ignore',
      env: { ...process.env, ETCDCTL_API: '2' },
    });
    return false;
  } catch {
    if (process.env.CI === 'true') throw new Error("CI=true but Debian's etcdctl 3.4 is missing");
    return "Debian's etcdctl 3.4 not installed (apt-get install etcd-client)";
  }
}

/**
 * True once the member lists its own client URLs in /v2/members: it has a leader and has
 * applied its publish entry, so the store's numbering is settled (2.0.13 writes membership
 * into the store: a fresh member's first key then gets index 3, deterministically).
 */
export async function published(clientUrl: string): Promise<boolean> {
  const r = await fetch(`${clientUrl}/v2/members`, { signal: AbortSignal.timeout(1000) });
  if (r.status !== 200) {
    await r.arrayBuffer();
    return false;
  }
  const body = (await r.json()) as { members?: { clientURLs?: string[] }[] };
  return (body.members ?? []).some((m) => m.clientURLs?.includes(clientUrl));
}

export interface ReferenceMember {
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  process: Started;
  stop(): Promise<void>;
}

/** Starts a one-member reference etcd on reserved loopback ports with a fresh data dir. */
export function startReference(name = 'ref', extra: string[] = []): Promise<ReferenceMember> {
  return startOneMember(REFERENCE_ETCD, name, extra, 'reference etcd to elect itself and publish');
}

/** The same with Go etcd 2.0.13 itself, whatever REFERENCE_ETCD says. */
export function startGoMember(name = 'go', extra: string[] = []): Promise<ReferenceMember> {
  return startOneMember(GO_ETCD.etcd, name, extra, 'Go etcd 2.0.13 to publish itself');
}

async function startOneMember(
  binary: string,
  name: string,
  extra: string[],
  what: string,
): Promise<ReferenceMember> {
  const [cport, pport] = await reservePorts(2);
  const dir = tempDir('etcd-ref');
  const clientUrl = `http://127.0.0.1:${cport}`;
  const peerUrl = `http://127.0.0.1:${pport}`;
  const proc = start(binary, [
    ...memberArgs({ name, dataDir: dir.path, clientUrl, peerUrl }),
    ...extra,
  ]);
  try {
    await waitFor(() => published(clientUrl), what);
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
