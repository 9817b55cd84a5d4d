// The loads the benches apply, through wrk when it is installed (a C load generator costs
// the shared cores far less per request than Node) or bench/server-load.ts otherwise.
// BENCH_LOADGEN=node forces the Node generator. Loading a fixed number of distinct keys is
// always done by the Node generator (wrk runs for a duration, not a count).
import { formRequest, getRequest, type LoadResult, runLoad } from './server-load.js';
import { fmt } from './table.js';
import { runWrk, wrkAvailable } from './wrk.js';

export const VALUE = 'x'.repeat(256);
export const FORM = `value=${VALUE}`;

export interface Target {
  clientUrl: string;
  host: string;
}

export function loadTool(): 'wrk' | 'node' {
  if (process.env.BENCH_LOADGEN === 'node') return 'node';
  return wrkAvailable() ? 'wrk' : 'node';
}

/** GET `path` over `connections` keep-alive connections for `seconds` (`threads` for wrk). */
export function getLoad(
  t: Target,
  path: string,
  connections: number,
  seconds: number,
  threads?: number,
): Promise<LoadResult> {
  if (loadTool() === 'wrk') {
    return runWrk({
      url: t.clientUrl,
      connections,
      seconds,
      path,
      ...(threads ? { threads } : {}),
    });
  }
  const req = getRequest(t.host, path);
  return runLoad({ url: t.clientUrl, connections, seconds, build: () => req });
}

/** PUT 256-byte values to `${prefix}0..connections-1` (one key per connection). */
export function putLoad(
  t: Target,
  prefix: string,
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  if (loadTool() === 'wrk') {
    return runWrk({ url: t.clientUrl, connections, seconds, path: prefix, put: { body: FORM } });
  }
  const reqs = Array.from({ length: connections }, (_, c) =>
    formRequest('PUT', t.host, `${prefix}${c}`, FORM),
  );
  return runLoad({ url: t.clientUrl, connections, seconds, build: (c) => reqs[c]! });
}

/** PUTs `count` distinct keys `${prefix}0..count-1` (256-byte values), 64 connections. */
export function putKeys(
  t: Target,
  prefix: string,
  count: number,
  stop?: () => boolean,
): Promise<LoadResult> {
  const connections = Math.min(64, count);
  const perConn = Math.ceil(count / connections);
  return runLoad({
    url: t.clientUrl,
    connections,
    seconds: 0,
    perConn,
    ...(stop ? { stop } : {}),
    build: (c, i) => {
      const k = c * perConn + i;
      // Past `count` (the last connection's share) it rewrites key 0: the count stays exact.
      return formRequest('PUT', t.host, `${prefix}${k < count ? k : 0}`, FORM);
    },
  });
}

/** PUTs 256-byte values to `${prefix}0..63` from 64 connections until `stop` returns true. */
export function putUntil(t: Target, prefix: string, stop: () => boolean): Promise<LoadResult> {
  const reqs = Array.from({ length: 64 }, (_, c) =>
    formRequest('PUT', t.host, `${prefix}${c}`, FORM),
  );
  return runLoad({
    url: t.clientUrl,
    connections: 64,
    seconds: 3600,
    stop,
    build: (c) => reqs[c]!,
  });
}

/** PUTs one key with a 256-byte value and throws unless it is acknowledged. */
export async function putOne(t: Target, path: string, value = VALUE): Promise<void> {
  const r = await fetch(`${t.clientUrl}${path}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `value=${encodeURIComponent(value)}`,
  });
  const body = await r.text();
  if (r.status >= 300) throw new Error(`PUT ${path}: ${r.status} ${body}`);
}

export function describeLoad(): string {
  return loadTool() === 'wrk'
    ? 'load: wrk (-t2, keep-alive; 1 thread for 1 connection)'
    : 'load: Node generator (bench/server-load.ts); `apt-get install wrk` for a lighter one';
}

/** One progress line per run: rate, latency, errors. */
export function logRun(name: string, who: { label: string }, r: LoadResult): void {
  console.log(
    `  ${name} ${who.label}: ${fmt(r.perSecond)}/s (p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, errors ${r.errors})`,
  );
}
