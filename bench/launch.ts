// Starts members of any implementation (one, or a cluster) on reserved ports with the same
// flags, and restarts or kills them by PID. Ports come from reservePorts() (the process
// must be told its port); data dirs live under os.tmpdir() and go when the group closes.
import { join } from 'node:path';
import { isServing, memberArgs } from '../test/helpers/cluster.js';
import { reservePorts } from '../test/helpers/ports.js';
import type { Started } from '../test/helpers/process.js';
import type { Impl } from './impls.js';
import { benchDir, spawnTracked } from './procs.js';

export interface Member {
  name: string;
  /** What it runs (in a mixed cluster, not the group's). */
  impl: Impl;
  clientUrl: string;
  /** host:port of clientUrl, for raw requests. */
  host: string;
  peerUrl: string;
  dataDir: string;
  proc: Started | null;
  pid(): number;
  /** Spawns the member (flags plus `extra`; `as` another build or node flags of it). */
  spawn(extra?: string[], state?: 'new' | 'existing', as?: Impl): Started;
  /** Resolves once it answers a quorum read (polled every 5 ms, so restarts time well). */
  serving(timeoutMs?: number): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface Group {
  impl: Impl;
  members: Member[];
  close(): Promise<void>;
}

export const TUNING = ['--heartbeat-interval', '50', '--election-timeout', '500'];

export async function launch(
  impl: Impl,
  size: number,
  opts: {
    tuning?: string[];
    extra?: string[];
    env?: NodeJS.ProcessEnv;
    /** Member i runs impls[i] (a mixed cluster); `impl` names the group. */
    impls?: Impl[];
  } = {},
): Promise<Group> {
  const ports = await reservePorts(size * 2);
  const dir = benchDir(`bench-${impl.key}`);
  const token = `bench-${process.pid}-${ports[0]}`;
  const specs = Array.from({ length: size }, (_, i) => ({
    name: `m${i}`,
    clientUrl: `http://127.0.0.1:${ports[2 * i]}`,
    host: `127.0.0.1:${ports[2 * i]}`,
    peerUrl: `http://127.0.0.1:${ports[2 * i + 1]}`,
    dataDir: join(dir.path, `m${i}`),
  }));
  const initialCluster = specs.map((m) => `${m.name}=${m.peerUrl}`).join(',');
  const members: Member[] = specs.map((spec, i) => {
    const m: Member = {
      ...spec,
      impl: opts.impls?.[i] ?? impl,
      proc: null,
      pid: () => m.proc?.proc.pid ?? -1,
      spawn(extra = [], state = 'new', as = m.impl) {
        const args = memberArgs(spec, initialCluster, token, state, opts.tuning ?? TUNING);
        m.proc = spawnTracked(
          as.cmd,
          [...as.pre, ...args, ...as.post, ...(opts.extra ?? []), ...extra],
          { ...as.env, ...opts.env },
        );
        return m.proc;
      },
      async serving(timeoutMs = 60_000) {
        const deadline = performance.now() + timeoutMs;
        while (!(await isServing(spec.clientUrl))) {
          const p = m.proc;
          if (p === null || p.proc.exitCode !== null || p.proc.signalCode !== null) {
            throw new Error(`${m.impl.label} ${spec.name} exited:\n${p?.output().slice(-2000)}`);
          }
          if (performance.now() > deadline) {
            throw new Error(
              `${m.impl.label} ${spec.name} not serving:\n${p.output().slice(-2000)}`,
            );
          }
          await new Promise((r) => setTimeout(r, 5));
        }
      },
      async stop(signal = 'SIGKILL') {
        if (m.proc) await m.proc.stop(signal);
        m.proc = null;
      },
    };
    return m;
  });
  for (const m of members) m.spawn();
  const group: Group = {
    impl,
    members,
    async close() {
      await Promise.all(members.map((m) => m.stop('SIGKILL')));
      dir.remove();
    },
  };
  try {
    await Promise.all(members.map((m) => m.serving()));
  } catch (e) {
    await group.close();
    throw e;
  }
  return group;
}

/** The member that reports itself leader (/v2/stats/self), polled until there is one. */
export async function leaderOf(g: Group, timeoutMs = 20_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    for (let i = 0; i < g.members.length; i++) {
      const m = g.members[i]!;
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
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${g.impl.label}: no leader within ${timeoutMs} ms`);
}
