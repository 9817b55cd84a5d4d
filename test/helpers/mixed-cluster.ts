// A cluster of real processes mixing Go etcd 2.0.13 members and ours (bin/etcd), started
// with the same flags (the flags are the same surface). Every process is ended by PID.
import { join } from 'node:path';
import { isServing, type MemberSpec, memberArgs, OUR_ETCD } from './cluster.js';
import { GO_ETCD } from './go-etcd.js';
import { reservePorts } from './ports.js';
import { type Started, start, tempDir, waitFor } from './process.js';

export type Impl = 'go' | 'ours';

export interface MixedMember extends MemberSpec {
  impl: Impl;
  proc: Started | null;
  initialCluster: string;
  state: 'new' | 'existing';
}

/** Fast elections, and snapshots (with 2.0's compaction) every 50 entries. */
export const MIXED_TUNING = [
  '--heartbeat-interval',
  '50',
  '--election-timeout',
  '500',
  '--snapshot-count',
  '50',
];

export class MixedCluster {
  readonly members: MixedMember[] = [];
  private readonly dir = tempDir('mixed');
  readonly token: string;

  constructor(
    token: string,
    private readonly tuning: string[] = MIXED_TUNING,
  ) {
    this.token = token;
  }

  /** Members of the cluster from the start, all with the same --initial-cluster. */
  async define(impls: Impl[]): Promise<void> {
    const ports = await reservePorts(impls.length * 2);
    const specs = impls.map((impl, i) => ({
      impl,
      name: `${impl}${i}`,
      clientUrl: `http://127.0.0.1:${ports[2 * i]}`,
      peerUrl: `http://127.0.0.1:${ports[2 * i + 1]}`,
      dataDir: join(this.dir.path, `${impl}${i}`),
    }));
    const initial = specs.map((m) => `${m.name}=${m.peerUrl}`).join(',');
    for (const s of specs) {
      this.members.push({ ...s, proc: null, initialCluster: initial, state: 'new' });
    }
  }

  /** A member to add at run time (its ports and data dir; not started). */
  async spec(name: string, impl: Impl): Promise<MemberSpec & { impl: Impl }> {
    const [c, p] = await reservePorts(2);
    return {
      impl,
      name,
      clientUrl: `http://127.0.0.1:${c}`,
      peerUrl: `http://127.0.0.1:${p}`,
      dataDir: join(this.dir.path, name),
    };
  }

  /** Registers a member added with POST /v2/members; returns its index. */
  join(spec: MemberSpec & { impl: Impl }, initialCluster: string): number {
    this.members.push({ ...spec, proc: null, initialCluster, state: 'existing' });
    return this.members.length - 1;
  }

  start(i: number): Started {
    const m = this.members[i]!;
    const args = memberArgs(m, m.initialCluster, this.token, m.state, this.tuning);
    m.proc =
      m.impl === 'go' ? start(GO_ETCD.etcd, args) : start(process.execPath, [OUR_ETCD, ...args]);
    return m.proc;
  }

  async stop(i: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const m = this.members[i]!;
    if (m.proc) await m.proc.stop(signal);
    m.proc = null;
  }

  running(): number[] {
    const out: number[] = [];
    this.members.forEach((m, i) => {
      if (m.proc) out.push(i);
    });
    return out;
  }

  async waitServing(what: string, timeoutMs = 30_000): Promise<void> {
    try {
      await waitFor(
        async () =>
          (
            await Promise.all(this.running().map((i) => isServing(this.members[i]!.clientUrl)))
          ).every(Boolean),
        what,
        timeoutMs,
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${this.logs()}`);
    }
  }

  /** The running member that reports itself leader, or -1. */
  async leader(): Promise<number> {
    for (const i of this.running()) {
      try {
        const r = await fetch(`${this.members[i]!.clientUrl}/v2/stats/self`, {
          signal: AbortSignal.timeout(1000),
        });
        const body = (await r.json()) as { state?: string };
        if (body.state === 'StateLeader') return i;
      } catch {
        // down or busy
      }
    }
    return -1;
  }

  logs(tail = 3000): string {
    return this.members
      .map((m) => `--- ${m.name} (${m.impl})\n${(m.proc?.output() ?? '').slice(-tail)}`)
      .join('\n');
  }

  async close(): Promise<void> {
    await Promise.all(this.members.map((_, i) => this.stop(i)));
    this.dir.remove();
  }
}

export async function startMixed(impls: Impl[], tuning?: string[]): Promise<MixedCluster> {
  const c = new MixedCluster(`mixed-${process.pid}-${Date.now() % 100000}`, tuning);
  await c.define(impls);
  for (let i = 0; i < impls.length; i++) c.start(i);
  try {
    await c.waitServing(`mixed cluster ${impls.join('+')} to serve`);
  } catch (e) {
    await c.close();
    throw e;
  }
  return c;
}

// ---- small v2 client calls --------------------------------------------------------

export async function put(
  url: string,
  key: string,
  value: string,
  timeoutMs = 3000,
): Promise<{ status: number; index: number }> {
  const r = await fetch(`${url}/v2/keys/${key}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `value=${encodeURIComponent(value)}`,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await r.json()) as { node?: { modifiedIndex?: number } };
  return { status: r.status, index: body.node?.modifiedIndex ?? 0 };
}

/** Retries a write until it is acknowledged (elections in progress) or time runs out. */
export async function putRetry(
  urls: () => string[],
  key: string,
  value: string,
  timeoutMs = 15_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  let n = 0;
  while (Date.now() < deadline) {
    const all = urls();
    const url = all[n++ % all.length]!;
    try {
      // A short attempt: a member without a leader holds a write until it times out.
      const r = await put(url, key, value, 1000);
      if (r.status === 200 || r.status === 201) return r.index;
      last = `status ${r.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`write of ${key} not acknowledged in ${timeoutMs} ms (${last})`);
}
