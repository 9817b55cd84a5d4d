// Starts a cluster of real member processes on free loopback ports: ours (bin/etcd) or the
// reference (Go etcd 2.0.13), with the same flags, since the flags are the same surface.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reservePorts } from './ports.js';
import { type Started, start, tempDir, waitFor } from './process.js';
import { REFERENCE_ETCD } from './reference.js';
import { memberArgs as flagsOf } from './member-args.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const OUR_ETCD = join(ROOT, 'bin', 'etcd');

export type Flavor = 'ours' | 'reference';

export interface MemberSpec {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
}

export interface RunningMember extends MemberSpec {
  proc: Started | null;
  /** For members added at run time: their own --initial-cluster and state. */
  initialCluster?: string;
  state?: 'new' | 'existing';
}

export interface TestCluster {
  flavor: Flavor;
  members: RunningMember[];
  token: string;
  initialCluster: string;
  /** Starts (or restarts) member i with its original flags plus `extra`. */
  startMember(i: number, extra?: string[], state?: 'new' | 'existing'): Promise<RunningMember>;
  /** SIGKILL (default) or SIGTERM member i and wait for it to exit. */
  stopMember(i: number, signal?: NodeJS.Signals): Promise<void>;
  /**
   * A member added at run time (after POST /v2/members): new ports and data dir, started
   * with `--initial-cluster` = the current members + itself and `--initial-cluster-state
   * existing`. Its index in `members` is returned; close() stops it with the others.
   */
  addMember(name: string, initialCluster: (self: MemberSpec) => string): Promise<number>;
  /** Finds the member that reports itself leader via /v2/stats/self. */
  leader(): Promise<number>;
  clientUrls(): string[];
  close(): Promise<void>;
}

function command(flavor: Flavor): { cmd: string; pre: string[]; post: string[] } {
  if (flavor === 'reference') return { cmd: REFERENCE_ETCD, pre: [], post: [] };
  return { cmd: process.execPath, pre: [OUR_ETCD], post: [] };
}

export function memberArgs(
  m: MemberSpec,
  initialCluster: string,
  token: string,
  state: 'new' | 'existing',
  tuning: string[],
): string[] {
  return [
    ...flagsOf({ ...m, initialCluster }),
    '--initial-cluster-token',
    token,
    '--initial-cluster-state',
    state,
    ...tuning,
  ];
}

export async function isServing(clientUrl: string): Promise<boolean> {
  try {
    const r = await fetch(`${clientUrl}/v2/keys/?quorum=true`, {
      signal: AbortSignal.timeout(1000),
    });
    await r.arrayBuffer();
    return r.status === 200;
  } catch {
    return false;
  }
}

export async function startCluster(
  size: number,
  opts: { flavor?: Flavor; tuning?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<TestCluster> {
  const flavor = opts.flavor ?? 'ours';
  const tuning = opts.tuning ?? ['--heartbeat-interval', '50', '--election-timeout', '500'];
  const ports = await reservePorts(size * 2);
  const dir = tempDir(`cluster-${flavor}`);
  const token = `test-${process.pid}-${ports[0]}`;
  const members: RunningMember[] = [];
  for (let i = 0; i < size; i++) {
    members.push({
      name: `m${i}`,
      clientUrl: `http://127.0.0.1:${ports[2 * i]}`,
      peerUrl: `http://127.0.0.1:${ports[2 * i + 1]}`,
      dataDir: join(dir.path, `m${i}`),
      proc: null,
    });
  }
  const initialCluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
  const { cmd, pre, post } = command(flavor);

  const cluster: TestCluster = {
    flavor,
    members,
    token,
    initialCluster,
    async startMember(i, extra = [], state) {
      const m = members[i]!;
      const args = memberArgs(
        m,
        m.initialCluster ?? initialCluster,
        token,
        state ?? m.state ?? 'new',
        tuning,
      );
      m.proc = start(cmd, [...pre, ...args, ...post, ...extra], opts.env);
      return m;
    },
    async addMember(name, initial) {
      const [cport, pport] = await reservePorts(2);
      const spec: MemberSpec = {
        name,
        clientUrl: `http://127.0.0.1:${cport}`,
        peerUrl: `http://127.0.0.1:${pport}`,
        dataDir: join(dir.path, name),
      };
      members.push({ ...spec, proc: null, initialCluster: initial(spec), state: 'existing' });
      return members.length - 1;
    },
    async stopMember(i, signal = 'SIGKILL') {
      const m = members[i]!;
      if (m.proc) await m.proc.stop(signal);
      m.proc = null;
    },
    async leader() {
      for (let i = 0; i < members.length; i++) {
        const m = members[i]!;
        if (!m.proc) continue;
        try {
          const r = await fetch(`${m.clientUrl}/v2/stats/self`, {
            signal: AbortSignal.timeout(1000),
          });
          const body = (await r.json()) as { state?: string };
          if (body.state === 'StateLeader') return i;
        } catch {
          // down or busy
        }
      }
      return -1;
    },
    clientUrls: () => members.filter((m) => m.proc).map((m) => m.clientUrl),
    async close() {
      await Promise.all(members.map((_, i) => cluster.stopMember(i, 'SIGKILL')));
      dir.remove();
    },
  };

  for (let i = 0; i < size; i++) await cluster.startMember(i);
  try {
    await waitFor(
      async () => (await Promise.all(members.map((m) => isServing(m.clientUrl)))).every(Boolean),
      `${flavor} cluster of ${size} to serve`,
      30_000,
    );
  } catch (e) {
    const logs = members.map((m) => `--- ${m.name}\n${m.proc?.output() ?? ''}`).join('\n');
    await cluster.close();
    throw new Error(`${(e as Error).message}\n${logs}`);
  }
  return cluster;
}
