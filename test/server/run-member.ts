// Starts `bin/etcd` as a real process on free loopback ports with a data dir, for the
// server and API tests.
import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { memberArgs } from '../helpers/member-args.js';
import { reservePorts } from '../helpers/ports.js';
import { type Started, start, tempDir, waitFor } from '../helpers/process.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BIN_ETCD = join(ROOT, 'bin', 'etcd');

export interface RunningEtcd {
  url: string;
  peerUrl: string;
  dataDir: string;
  proc: Started;
  args: string[];
  /** Stops with SIGTERM (default) and waits for the exit status. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
  /** Starts the same member again (same ports, same data dir). */
  restart(extra?: string[]): Promise<RunningEtcd>;
  /** Stops and removes the data dir. */
  destroy(): Promise<void>;
}

/** Runs bin/etcd with raw arguments (for flag tests); resolves when it exits. */
export function runEtcd(args: string[], env: NodeJS.ProcessEnv = {}): Started {
  return start(process.execPath, [BIN_ETCD, ...args], env);
}

/** Starts bin/etcd as a child process (src/embed's startEtcd is the in-process one). */
export async function spawnEtcd(
  opts: {
    extra?: string[];
    dataDir?: string;
    name?: string;
    ports?: number[];
    /** Remove the data dir's parent on destroy() (set for dirs this helper made). */
    owned?: boolean;
    env?: NodeJS.ProcessEnv;
  } = {},
): Promise<RunningEtcd> {
  const [cport, pport] = opts.ports ?? (await reservePorts(2));
  const created = opts.owned ?? opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? join(tempDir('etcd-srv').path, 'data');
  const name = opts.name ?? 'srv';
  const url = `http://127.0.0.1:${cport}`;
  const peerUrl = `http://127.0.0.1:${pport}`;
  const args = [...memberArgs({ name, dataDir, clientUrl: url, peerUrl }), ...(opts.extra ?? [])];
  const proc = runEtcd(args, opts.env);
  try {
    await waitFor(async () => {
      if (proc.proc.exitCode !== null) throw new Error(`etcd exited:\n${proc.output()}`);
      const r = await fetch(`${url}/v2/keys/?quorum=true`);
      await r.arrayBuffer();
      return r.status === 200;
    }, 'etcd to serve');
  } catch (e) {
    await proc.stop('SIGKILL');
    throw new Error(`${(e as Error).message}\n${proc.output()}`);
  }
  const self: RunningEtcd = {
    url,
    peerUrl,
    dataDir,
    proc,
    args,
    stop: (signal = 'SIGTERM') => proc.stop(signal),
    restart: (extra) =>
      spawnEtcd({
        extra: extra ?? opts.extra,
        dataDir,
        name,
        ports: [cport!, pport!],
        owned: created,
        ...(opts.env ? { env: opts.env } : {}),
      }),
    async destroy() {
      await proc.stop('SIGKILL');
      if (created) rmSync(dirname(dataDir), { recursive: true, force: true });
    },
  };
  return self;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request on its own connection (no agent: nothing left open after a test). */
export function http(
  method: string,
  url: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const h: Record<string, string> = { ...headers };
    if (body !== undefined && h['content-type'] === undefined) {
      h['content-type'] = 'application/x-www-form-urlencoded';
    }
    const req = request(url, { method, headers: h, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers))
          out[k] = Array.isArray(v) ? v.join(', ') : String(v);
        resolve({
          status: res.statusCode ?? 0,
          headers: out,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
