// A one-member Go etcd 2.0.13 (the oracle) on reserved loopback ports with a fresh data dir,
// ready once it has published its attributes (so a fresh member's first user key gets the
// same index every time: 3).
import { GO_ETCD } from './go-etcd.js';
import { reservePorts } from './ports.js';
import { type Started, start, tempDir, waitFor } from './process.js';

export interface GoMember {
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  process: Started;
  stop(): Promise<void>;
}

/** True once /v2/members lists this member with its client URLs (the publish is applied). */
export async function published(clientUrl: string): Promise<boolean> {
  try {
    const r = await fetch(`${clientUrl}/v2/members`);
    if (r.status !== 200) return false;
    const body = (await r.json()) as { members?: { clientURLs?: string[] }[] };
    return (body.members ?? []).some((m) => (m.clientURLs ?? []).includes(clientUrl));
  } catch {
    return false;
  }
}

export async function startGoMember(name = 'go', extra: string[] = []): Promise<GoMember> {
  const [cport, pport] = await reservePorts(2);
  const dir = tempDir('etcd-go');
  const clientUrl = `http://127.0.0.1:${cport}`;
  const peerUrl = `http://127.0.0.1:${pport}`;
  const proc = start(GO_ETCD.etcd, [
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
    ...extra,
  ]);
  try {
    await waitFor(() => published(clientUrl), 'Go etcd 2.0.13 to publish itself');
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
