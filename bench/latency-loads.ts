// The loads bench:latency and bench:twins share: one write (PUT 256 B) and one read (GET of
// a 256-byte key), through wrk and through bench/closed-loop.c.
import type { Group } from './launch.js';
import { getLoad, putLoad } from './load.js';
import type { LoadResult } from './server-load.js';

/** BENCH_SECONDS (5): each run's length. */
export const LATENCY_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);

/** The two loads: wrk and the closed loop PUT to `path` + the connection's number, or GET it. */
export const LATENCY_RUNS = [
  { what: 'write', method: 'PUT', path: '/v2/keys/bench/lat' },
  { what: 'read', method: 'GET', path: '/v2/keys/bench/read' },
] as const;

/** The client counts every load runs with. */
export const LATENCY_CLIENTS = [1, 64] as const;

export function wrkLoad(
  g: Group,
  method: 'PUT' | 'GET',
  path: string,
  clients: number,
): Promise<LoadResult> {
  const m = g.members[0]!;
  return method === 'PUT'
    ? putLoad(m, path, clients, LATENCY_SECONDS)
    : getLoad(m, path, clients, LATENCY_SECONDS);
}
