// Runs our etcdctl and the reference etcdctl (Go etcd 2.0.13's own) with the same
// arguments and captures stdout, stderr and the exit code of each, for side-by-side
// comparison.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run as runInProcess } from '../../src/cli/etcdctl/app.js';
import { GO_ETCDCTL } from '../helpers/reference.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const OUR_ETCDCTL = join(ROOT, 'bin', 'etcdctl');

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number | string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Data written to stdin (closed at once otherwise). */
  stdin?: string;
  /** Resolve early (sending SIGINT) once stdout contains this. */
  until?: string;
  timeoutMs?: number;
}

function run(cmd: string, args: string[], o: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...o.env };
    const p = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, o.timeoutMs ?? 20_000);
    p.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (o.until !== undefined && stdout.includes(o.until)) p.kill('SIGINT');
    });
    p.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    p.on('error', reject);
    // 'close' comes after the pipes are drained ('exit' may come before).
    p.on('close', (code, sig) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code: code ?? sig ?? -1 });
    });
    if (o.stdin !== undefined) p.stdin.end(o.stdin);
    else p.stdin.end();
  });
}

/** Our bin/etcdctl as a process. */
export function oursProcess(args: string[], o: RunOptions = {}): Promise<RunResult> {
  return run(process.execPath, [OUR_ETCDCTL, ...args], o);
}

/**
 * Our etcdctl: in this process (its command line, flags and output are those of the
 * binary without the start-up cost), or as a process when the step needs stdin or a
 * signal.
 */
export async function ours(args: string[], o: RunOptions = {}): Promise<RunResult> {
  if (o.stdin !== undefined || o.until !== undefined) return oursProcess(args, o);
  let stdout = '';
  let stderr = '';
  const code = await runInProcess(
    args,
    { ...process.env, ...o.env },
    {
      out: (s) => {
        stdout += s;
      },
      err: (s) => {
        stderr += s;
      },
      readStdin: async () => '',
    },
  );
  return { stdout, stderr, code };
}

/** Go etcd 2.0.13's own etcdctl. */
export function reference(args: string[], o: RunOptions = {}): Promise<RunResult> {
  return run(GO_ETCDCTL, args, o);
}

/**
 * Index numbers legitimately differ between two runs against one server (each write
 * moves the store and raft indexes), as do expiry times and member IDs; everything else
 * (the raft term included) must match byte for byte.
 */
export function normalise(s: string): string {
  return (
    s
      .replace(/"(createdIndex|modifiedIndex|etcdIndex|raftIndex)":\d+/g, '"$1":N')
      .replace(/^(Created-Index|Modified-Index|Etcd-Index|Raft-Index): \d+$/gm, '$1: N')
      .replace(/\[\d+\]$/gm, '[N]')
      .replace(/\[\d+ != \d+\]/g, '[N != N]')
      .replace(/\/\d{20}\b/g, '/<inorder>')
      // In-order names are indexes (unpadded in 2.0.13), and both etcdctls write to one server.
      .replace(/\/q\/\d+\b/g, '/q/<inorder>')
      .replace(/"expiration":"[^"]+"/g, '"expiration":"T"')
      .replace(/ETCD_WATCH_MODIFIED_INDEX=\d+/g, 'ETCD_WATCH_MODIFIED_INDEX=N')
      .replace(/ID [0-9a-f]{1,16}\b/g, 'ID X')
      .replace(/member [0-9a-f]{1,16} from/g, 'member X from')
  );
}
