// The loads bench:latency and bench:twins share: one write (PUT 256 B) and one read (GET of
// a 256-byte key), through wrk and through bench/closed-loop.c.
import { getLoad, putLoad, putOne, type Target } from './load.js';
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

/** The key the reads GET, and the server warmed up with writes, before any latency run. */
export async function warmUp(t: Target): Promise<void> {
  await putOne(t, '/v2/keys/bench/read');
  await putLoad(t, '/v2/keys/bench/warm', 64, Math.min(2, LATENCY_SECONDS));
}

export function wrkLoad(
  t: Target,
  method: 'PUT' | 'GET',
  path: string,
  clients: number,
): Promise<LoadResult> {
  return method === 'PUT'
    ? putLoad(t, path, clients, LATENCY_SECONDS)
    : getLoad(t, path, clients, LATENCY_SECONDS);
}
