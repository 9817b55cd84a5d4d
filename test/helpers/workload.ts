// A register workload over the v2 keys API for linearizability tests: concurrent clients
// doing quorum reads, writes and compare-and-swaps on a few keys through every member,
// recording each operation's call and return time and its outcome (or that it is unknown).
import http from 'node:http';
import type { Op } from './linearizability.js';

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

interface Reply {
  status: number;
  body: { errorCode?: number; node?: { value?: string } };
}

function request(
  url: string,
  method: string,
  body: string | null,
  timeoutMs: number,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        agent,
        timeout: timeoutMs,
        headers: body ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          data += c;
        });
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) });
          } catch (e) {
            reject(e);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

export interface WorkloadOptions {
  endpoints: () => string[];
  keys: string[];
  clients: number;
  durationMs: number;
  random: () => number;
  timeoutMs?: number;
}

export interface WorkloadResult {
  history: Op[];
  counts: { ok: number; failed: number; unknown: number };
}

const now = () => performance.now();

/** Runs the workload until durationMs has passed; every client stops by itself. */
export async function runRegisterWorkload(o: WorkloadOptions): Promise<WorkloadResult> {
  const history: Op[] = [];
  const counts = { ok: 0, failed: 0, unknown: 0 };
  const timeoutMs = o.timeoutMs ?? 3000;
  const deadline = now() + o.durationMs;
  let seq = 0;
  const pick = <T>(xs: T[]): T => xs[Math.floor(o.random() * xs.length)]!;

  const client = async (c: number): Promise<void> => {
    while (now() < deadline) {
      const eps = o.endpoints();
      if (eps.length === 0) break;
      const base = pick(eps);
      const key = pick(o.keys);
      const url = `${base}/v2/keys/lin/${key}`;
      const r = o.random();
      const call = now();
      if (r < 0.4) {
        try {
          const rep = await request(`${url}?quorum=true`, 'GET', null, timeoutMs);
          if (rep.status === 200) {
            history.push({
              key,
              kind: 'read',
              result: rep.body.node?.value ?? null,
              call,
              ret: now(),
            });
            counts.ok++;
          } else if (rep.body.errorCode === 100) {
            history.push({ key, kind: 'read', result: null, call, ret: now() });
            counts.ok++;
          } else counts.failed++;
        } catch {
          counts.failed++; // a read that did not answer constrains nothing
        }
      } else if (r < 0.7) {
        const value = `c${c}-${seq++}`;
        const op: Op = { key, kind: 'write', value, call, ret: Number.POSITIVE_INFINITY };
        try {
          const rep = await request(url, 'PUT', `value=${value}`, timeoutMs);
          if (rep.status === 200 || rep.status === 201) {
            op.ret = now();
            counts.ok++;
          } else counts.unknown++; // e.g. a timeout error: it may still commit
        } catch {
          counts.unknown++;
        }
        history.push(op);
      } else {
        // CAS from a value some client may have written: the last known one is good enough.
        const recent = [...history].reverse().find((h) => h.key === key && h.kind === 'write');
        const expect = recent?.value ?? 'none';
        const value = `c${c}-${seq++}`;
        const op: Op = { key, kind: 'cas', expect, value, call, ret: Number.POSITIVE_INFINITY };
        try {
          const rep = await request(
            `${url}?prevValue=${encodeURIComponent(expect)}`,
            'PUT',
            `value=${value}`,
            timeoutMs,
          );
          if (rep.status === 200) {
            op.result = true;
            op.ret = now();
            counts.ok++;
          } else if (rep.body.errorCode === 101 || rep.body.errorCode === 100) {
            op.result = false;
            op.ret = now();
            counts.ok++;
          } else counts.unknown++;
        } catch {
          counts.unknown++;
        }
        history.push(op);
      }
    }
  };

  await Promise.all(Array.from({ length: o.clients }, (_, c) => client(c)));
  return { history, counts };
}
