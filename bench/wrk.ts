// Runs wrk (https://github.com/wg/wrk; Debian package `wrk`) for one load and parses its
// report: requests/s, errors (non-2xx/3xx and socket errors), p50 and p99 latency.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir, spawnTracked } from './procs.js';
import type { LoadResult } from './server-load.js';

export const WRK = process.env.WRK ?? 'wrk';

let present: boolean | undefined;
export function wrkAvailable(): boolean {
  if (present === undefined) {
    try {
      execFileSync(WRK, ['--version'], { stdio: 'ignore' });
      present = true;
    } catch (e) {
      // wrk --version prints its banner and exits 1; only a missing binary is ENOENT.
      present = (e as NodeJS.ErrnoException).code !== 'ENOENT';
    }
  }
  return present;
}

export interface WrkLoad {
  url: string;
  connections: number;
  seconds: number;
  /** PUT a form body to `${path}${n % connections}` instead of GET `path`. */
  put?: { body: string };
  /** Or a Lua script of one's own (its request() makes each request) against `url`. */
  script?: string;
  path: string;
  /** wrk threads (default: 2, the machine's cores, or 1 for 1 connection). */
  threads?: number;
}

const scripts = benchDir('bench-wrk');

function putScript(path: string, body: string, spread: number): string {
  const file = join(scripts.path, `put-${spread}.lua`);
  writeFileSync(
    file,
    [
      'local n = 0',
      `local body = ${JSON.stringify(body)}`,
      'local headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }',
      'request = function()',
      '  n = n + 1',
      `  return wrk.format("PUT", ${JSON.stringify(path)} .. (n % ${spread}), headers, body)`,
      'end',
      '',
    ].join('\n'),
  );
  return file;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function ms(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : Number.NaN;
}

export function parseWrk(out: string): LoadResult {
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? 0);
  const pct = (p: string) => ms(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out)?.[1] ?? '');
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = socket ? socket.slice(1).reduce((a, x) => a + Number(x), 0) : 0;
  const requests = num(/(\d+) requests in/);
  const perSecond = num(/Requests\/sec:\s+([\d.]+)/);
  if (!/Requests\/sec/.test(out)) throw new Error(`wrk failed:\n${out}`);
  return {
    requests,
    errors: num(/Non-2xx or 3xx responses: (\d+)/) + socketErrors,
    seconds: perSecond > 0 ? requests / perSecond : 0,
    perSecond,
    p50: pct('50'),
    p99: pct('99'),
    mean: ms(/^\s+Latency\s+(\S+)/m.exec(out)?.[1] ?? ''),
  };
}

export async function runWrk(load: WrkLoad): Promise<LoadResult> {
  const args = [
    '-t',
    String(Math.min(load.threads ?? 2, load.connections)),
    '-c',
    String(load.connections),
    '-d',
    `${Math.max(1, Math.round(load.seconds))}s`,
    '--timeout',
    '10s',
    '--latency',
  ];
  if (load.script !== undefined) args.push('-s', load.script);
  else if (load.put) args.push('-s', putScript(load.path, load.put.body, load.connections));
  const scripted = load.script !== undefined || load.put !== undefined;
  const p = spawnTracked(WRK, [...args, `${load.url}${scripted ? '/' : load.path}`]);
  const code = await p.exited;
  if (code !== 0) throw new Error(`wrk exited ${code}:\n${p.output()}`);
  return parseWrk(p.output());
}
