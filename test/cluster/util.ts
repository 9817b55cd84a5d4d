// Shared pieces of the cluster tests: which implementation runs (CLUSTER_FLAVOR), a small
// keep-alive HTTP client with hard timeouts, leader discovery, waiting with deadlines, and
// a background writer that records what was acknowledged.
import http, { type IncomingHttpHeaders } from 'node:http';
import type { Flavor, TestCluster } from '../helpers/cluster.js';
import { referenceSkip } from '../helpers/reference.js';

/** CLUSTER_FLAVOR=reference runs the same tests against Go etcd 2.0.13 (to prove them). */
export const FLAVOR: Flavor = process.env.CLUSTER_FLAVOR === 'reference' ? 'reference' : 'ours';

/** Skip reason (reference missing outside CI) when running against the reference. */
export function flavorSkip(): string | false {
  return FLAVOR === 'reference' ? referenceSkip() : false;
}

export const HEARTBEAT_MS = 50;
export const ELECTION_MS = 500;
export const TUNING = [
  '--heartbeat-interval',
  String(HEARTBEAT_MS),
  '--election-timeout',
  String(ELECTION_MS),
];

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export function request(
  method: string,
  url: string,
  body: string | null = null,
  contentType = 'application/x-www-form-urlencoded',
  timeoutMs = 3000,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        agent,
        timeout: timeoutMs,
        headers: body !== null ? { 'content-type': contentType } : {},
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          data += c;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${url}`)));
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

export function putKey(base: string, key: string, value: string, timeoutMs = 3000) {
  return request(
    'PUT',
    `${base}/v2/keys/${key}`,
    `value=${encodeURIComponent(value)}`,
    undefined,
    timeoutMs,
  );
}

export function getKey(base: string, key: string, quorum = false, timeoutMs = 3000) {
  return request(
    'GET',
    `${base}/v2/keys/${key}${quorum ? '?quorum=true' : ''}`,
    null,
    undefined,
    timeoutMs,
  );
}

export interface NodeJSON {
  key: string;
  value?: string;
  dir?: boolean;
  nodes?: NodeJSON[];
  modifiedIndex: number;
  createdIndex: number;
}

export function nodeOf(r: Reply): NodeJSON {
  return (JSON.parse(r.body) as { node: NodeJSON }).node;
}

export interface SelfStats {
  id: string;
  name: string;
  state: string;
  leaderInfo?: { leader?: string; startTime?: string };
}

export async function selfStats(base: string, timeoutMs = 1000): Promise<SelfStats | null> {
  try {
    const r = await request('GET', `${base}/v2/stats/self`, null, undefined, timeoutMs);
    return r.status === 200 ? (JSON.parse(r.body) as SelfStats) : null;
  } catch {
    return null;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every `everyMs` until it returns a value other than undefined. */
export async function until<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
  everyMs = 10,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
      last = undefined;
    } catch (e) {
      last = e;
    }
    if (performance.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${last})` : ''}`,
      );
    }
    await sleep(everyMs);
  }
}

/** Index of the running member that reports itself leader, among `among` (default all). */
export async function findLeader(c: TestCluster, among?: number[]): Promise<number | undefined> {
  const idx = among ?? c.members.map((_, i) => i);
  const stats = await Promise.all(
    idx.map((i) => (c.members[i]!.proc ? selfStats(c.members[i]!.clientUrl, 300) : null)),
  );
  const at = stats.findIndex((s) => s?.state === 'StateLeader');
  return at < 0 ? undefined : idx[at];
}

export function waitLeader(c: TestCluster, timeoutMs = 10_000, among?: number[]) {
  return until('a leader', timeoutMs, () => findLeader(c, among));
}

/** name → member ID, from /v2/members of `base`. */
export async function memberIds(base: string): Promise<Map<string, string>> {
  const r = await request('GET', `${base}/v2/members`);
  const out = new Map<string, string>();
  for (const m of (JSON.parse(r.body) as { members: { id: string; name: string }[] }).members) {
    out.set(m.name, m.id);
  }
  return out;
}

/** True when some line of `output` ends with `text` (the log prefix differs by flavor). */
export function hasLine(output: string, text: string): boolean {
  return output.split('\n').some((l) => l.trimEnd().endsWith(text));
}

/** The last lines of a process's output, for assertion messages. */
export function tail(output: string | undefined, n = 15): string {
  return (output ?? '').split('\n').slice(-n).join('\n');
}

/** Every key/value under `dir` (recursive, local read) on `base`. */
export async function listDir(base: string, dir: string): Promise<Map<string, NodeJSON>> {
  const r = await request('GET', `${base}/v2/keys/${dir}?recursive=true`);
  const out = new Map<string, NodeJSON>();
  if (r.status === 404) return out;
  if (r.status !== 200) throw new Error(`list ${dir}: ${r.status} ${r.body}`);
  const walk = (n: NodeJSON) => {
    if (n.dir) for (const c of n.nodes ?? []) walk(c);
    else out.set(n.key, n);
  };
  walk(nodeOf(r));
  return out;
}

export interface Ack {
  key: string;
  value: string;
  index: number;
  term: number;
  member: number;
}

/**
 * Writes distinct keys under `/<prefix>/` through the running members in turn until stopped,
 * recording acknowledged writes and the longest time between two acknowledgements.
 */
export function backgroundWriter(c: TestCluster, prefix: string, clients = 2) {
  const acked: Ack[] = [];
  let failed = 0;
  let stopped = false;
  let lastAck = performance.now();
  let maxGapMs = 0;
  let seq = 0;
  const loop = async (w: number) => {
    let turn = w;
    while (!stopped) {
      const live = c.members.map((m, i) => (m.proc ? i : -1)).filter((i) => i >= 0);
      if (live.length === 0) {
        await sleep(20);
        continue;
      }
      const i = live[turn++ % live.length]!;
      const n = seq++;
      const key = `${prefix}/${String(n).padStart(6, '0')}`;
      const value = `v${n}`;
      try {
        const r = await putKey(c.members[i]!.clientUrl, key, value, 2000);
        if (r.status === 201 || r.status === 200) {
          const now = performance.now();
          maxGapMs = Math.max(maxGapMs, now - lastAck);
          lastAck = now;
          acked.push({
            key: `/${key}`,
            value,
            index: nodeOf(r).modifiedIndex,
            term: Number(r.headers['x-raft-term']),
            member: i,
          });
        } else failed++;
      } catch {
        failed++;
        await sleep(20);
      }
    }
  };
  const loops = Array.from({ length: clients }, (_, w) => loop(w));
  return {
    acked,
    get failed() {
      return failed;
    },
    /** Longest stretch without an acknowledged write, including the time up to now. */
    maxGapMs: () => Math.max(maxGapMs, performance.now() - lastAck),
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/** Asserts-style check: every acknowledged write is present with its value and index. */
export function missingAcks(acked: Ack[], found: Map<string, NodeJSON>): string[] {
  const out: string[] = [];
  for (const a of acked) {
    const n = found.get(a.key);
    if (!n || n.value !== a.value || n.modifiedIndex !== a.index) {
      out.push(
        `${a.key}=${a.value}@${a.index} (found ${n ? `${n.value}@${n.modifiedIndex}` : 'nothing'})`,
      );
    }
  }
  return out;
}
