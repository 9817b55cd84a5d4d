// Latency loads through bench/closed-loop.c (connections each with one request at a time,
// epoll, a monotonic clock, like wrk but with every sample one measured request), compiled
// once per run with the machine's C compiler. wrk's percentiles are "corrected" for
// coordinated omission (closed-loop.c says how), so bench:latency prints both.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { FORM, type Target } from './load.js';
import { benchDir, spawnTracked } from './procs.js';
import type { LoadResult } from './server-load.js';

const SOURCE = join(import.meta.dirname, '..', '..', 'bench', 'closed-loop.c');
const CC = process.env.CC ?? 'cc';

let binary: string | null | undefined;

/** The compiled client, or null (with the reason printed once) where it cannot be built. */
export function closedLoopBinary(): string | null {
  if (binary !== undefined) return binary;
  const out = join(benchDir('bench-closed-loop').path, 'closed-loop');
  try {
    execFileSync(CC, ['-O2', '-pthread', '-o', out, SOURCE], { stdio: 'pipe' });
    binary = out;
  } catch (e) {
    console.log(`closed-loop client not built (${(e as Error).message.split('\n')[0]})`);
    binary = null;
  }
  return binary;
}

export interface ClosedLoopResult extends LoadResult {
  /** A connection's latencies summed over the run's length: at most 1 when measured right. */
  busy: number;
  /** Mean latency in ms: connections / throughput, whatever the serving order. */
  mean: number;
  p999: number;
}

export function parseClosedLoop(out: string): ClosedLoopResult {
  const field = (name: string) => {
    const m = new RegExp(`\\b${name}=([\\d.]+)`).exec(out);
    if (m === null) throw new Error(`closed-loop: no ${name} in:\n${out}`);
    return Number(m[1]);
  };
  const requests = field('requests');
  const seconds = field('seconds');
  return {
    requests,
    errors: field('errors'),
    seconds,
    perSecond: requests / seconds,
    mean: field('mean_us') / 1000,
    p50: field('p50_us') / 1000,
    p99: field('p99_us') / 1000,
    p999: field('p999_us') / 1000,
    busy: field('sum_us') / 1e6 / seconds,
  };
}

/**
 * `connections` connections, each one request at a time: GET `path`, or PUT the bench's
 * 256-byte value to `path` followed by the connection's number.
 */
export async function closedLoop(
  bin: string,
  t: Target,
  connections: number,
  method: 'GET' | 'PUT',
  path: string,
  seconds: number,
): Promise<ClosedLoopResult> {
  const port = new URL(t.clientUrl).port;
  const args = [port, String(seconds), String(connections), method, path];
  if (method === 'PUT') args.push(FORM);
  const p = spawnTracked(bin, args);
  const code = await p.exited;
  if (code !== 0) throw new Error(`closed-loop exited ${code}:\n${p.output()}`);
  return parseClosedLoop(p.output());
}
