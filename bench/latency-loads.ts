// The loads bench:latency and bench:twins share: one write (PUT 256 B) and one read (GET of
// a 256-byte key), through wrk and through bench/closed-loop.c.
import type { Group } from './launch.js';
import { getLoad, putLoad, putOne } from './load.js';
import type { LoadResult } from './server-load.js';

/** BENCH_SECONDS (5): each run's length. */
export const LATENCY_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);

/** The two loads: wrk and the closed loop PUT to `path` + the connection's number, or GET it. */
const LATENCY_RUNS = [
  { what: 'write', method: 'PUT', path: '/v2/keys/bench/lat' },
  { what: 'read', method: 'GET', path: '/v2/keys/bench/read' },
] as const;

/** Every load at every client count (1 and 64), in the order the benches run them. */
export const LATENCY_LOADS = LATENCY_RUNS.flatMap((r) =>
  [1, 64].map((clients) => ({ ...r, clients })),
);

/** The key the reads GET, and the member warmed up with writes, before any latency run. */
export async function warmUp(g: Group): Promise<void> {
  await putOne(g.members[0]!, '/v2/keys/bench/read');
  await putLoad(g.members[0]!, '/v2/keys/bench/warm', 64, Math.min(2, LATENCY_SECONDS));
}

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
