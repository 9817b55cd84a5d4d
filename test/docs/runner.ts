// Runs the examples of one docs page in order against fresh members started here (see
// docs/README.md for the conventions). Ports named in examples are canonical (2379, …):
// each is mapped to a reserved port on the way in and back on the way out, so the shown
// output names the ports a reader would see.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { type Etcd, startEtcd } from '../../src/index.js';
import { reservePort } from '../helpers/ports.js';
import { tempDir, waitFor } from '../helpers/process.js';
import type { Example, Page } from './markdown.js';
import { mapPorts, matches, normalise, portsIn } from './normalise.js';

export interface PageResult {
  ran: number;
  failures: string[];
}

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | string>;
}

// Generous: the suite must pass on a 2-core machine kept busy (1,010 writes in one block).
const BLOCK_TIMEOUT_MS = 90_000;

export class PageRunner {
  readonly ports = new Map<number, number>();
  private readonly members: Etcd[] = [];
  private readonly daemons: Proc[] = [];
  /** Client URLs of daemons that become healthy only once their peers are up. */
  private readonly pending: string[] = [];
  private readonly dir = tempDir('docs-example');
  private peersEnv = '';
  private counter = 0;

  constructor(
    private readonly root: string,
    private readonly file: string,
  ) {
    for (const name of ['bin', 'scripts', 'dist', 'package.json', 'node_modules', 'test'])
      symlinkSync(join(root, name), join(this.dir.path, name));
    // A terminal user's curl prints no progress meter; ours writes to a pipe.
    writeFileSync(join(this.dir.path, '.curlrc'), '--silent\n--show-error\n');
  }

  private async port(canon: number): Promise<number> {
    let real = this.ports.get(canon);
    if (real === undefined) {
      real = await reservePort();
      this.ports.set(canon, real);
    }
    return real;
  }

  private async url(canon: number, host = 'localhost'): Promise<string> {
    return `http://${host}:${await this.port(canon)}`;
  }

  /** The page's members: `default` as `bin/etcd` with no flags, or infra1..3 as `npm run cluster`. */
  async setUp(setup: Page['setup']): Promise<void> {
    if (setup === 'member') {
      const client = [await this.url(2379), await this.url(4001)];
      const peer = [await this.url(2380), await this.url(7001)];
      this.members.push(
        await startEtcd({
          name: 'default',
          dataDir: join(this.dir.path, 'default.etcd'),
          listenClientUrls: client,
          advertiseClientUrls: client,
          listenPeerUrls: peer,
          initialAdvertisePeerUrls: peer,
        }),
      );
      this.peersEnv = client.join(',');
    } else if (setup === 'cluster') {
      const names = ['infra1', 'infra2', 'infra3'];
      const peer = await Promise.all([12380, 22380, 32380].map((p) => this.url(p, '127.0.0.1')));
      const client = await Promise.all([12379, 22379, 32379].map((p) => this.url(p, '127.0.0.1')));
      const initialCluster = names.map((n, i) => `${n}=${peer[i]}`).join(',');
      const started = await Promise.allSettled(
        names.map((name, i) =>
          startEtcd({
            name,
            // Apart from the page's files: examples may start their own infra1.etcd.
            dataDir: join(this.dir.path, '.cluster', `${name}.etcd`),
            listenClientUrls: [client[i]!],
            advertiseClientUrls: [client[i]!],
            listenPeerUrls: [peer[i]!],
            initialAdvertisePeerUrls: [peer[i]!],
            initialCluster,
            initialClusterToken: 'etcd-cluster-1',
          }),
        ),
      );
      // Keep every member that did start, so close() stops it even when another failed.
      for (const r of started) if (r.status === 'fulfilled') this.members.push(r.value);
      const failed = started.find((r) => r.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
      this.peersEnv = client.join(',');
    }
    for (const m of this.members) await waitHealthy(m.clientUrls[0]!);
  }

  async run(ex: Example): Promise<{ proc: Proc; check: (p: Proc) => Promise<string | null> }> {
    if (!ex.flags.has('daemon')) for (const url of this.pending.splice(0)) await waitHealthy(url);
    for (const p of portsIn(ex.code)) await this.port(p);
    const code = mapPorts(ex.code, this.ports, false);
    const proc = ex.lang === 'sh' ? this.shell(code, ex.flags.has('daemon')) : this.node(code);
    const check = async (p: Proc): Promise<string | null> => {
      const status = await withTimeout(p.exited, BLOCK_TIMEOUT_MS, () => p.child.kill('SIGKILL'));
      const out = mapPorts(p.output(), this.ports, true);
      const where = `${this.file}:${ex.line}`;
      // Authoring aid: DOCS_SHOW=1 prints what each example printed.
      if (process.env.DOCS_SHOW) process.stderr.write(`\n=== ${where}\n${out}`);
      if (ex.expected === null) {
        return status === 0 ? null : `${where}: exit status ${status}\n${out}`;
      }
      if (matches(ex.expected, out)) return null;
      return `${where}: output differs (exit status ${status})\n--- shown (normalised)\n${normalise(ex.expected)}\n--- actual (normalised)\n${normalise(out)}\n--- actual\n${out}`;
    };
    return { proc, check };
  }

  private spawn(cmd: string, args: string[]): Proc {
    // An example that runs node:test must report as a top-level run, not to our runner.
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const child = spawn(cmd, args, {
      cwd: this.dir.path,
      env: { ...env, CURL_HOME: this.dir.path, ETCDCTL_PEERS: this.peersEnv, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise<number | string>((resolve) =>
      child.on('exit', (c, s) => resolve(c ?? s ?? -1)),
    );
    return { child, output: () => out, exited };
  }

  private shell(code: string, daemon: boolean): Proc {
    // A daemon is one command; exec makes its PID ours to stop.
    // (`exec env` when the command starts with variable assignments, which exec refuses.)
    const one = code.trim();
    const script = daemon
      ? `exec ${/^[A-Z_][A-Z0-9_]*=/.test(one) ? 'env ' : ''}${one}`
      : `exec 2>&1\n${code}`;
    return this.spawn('bash', ['-e', '-o', 'pipefail', '-c', script]);
  }

  private node(code: string): Proc {
    const index = pathToFileURL(join(this.root, 'dist', 'src', 'index.js')).href;
    const js = ts.transpileModule(code, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      reportDiagnostics: true,
    });
    if (js.diagnostics?.length)
      throw new Error(`does not compile: ${js.diagnostics[0]!.messageText}`);
    const file = join(this.dir.path, `example-${++this.counter}.mjs`);
    writeFileSync(file, js.outputText.replaceAll(/from '(etcd-node)'/g, `from '${index}'`));
    return this.spawn(process.execPath, [file]);
  }

  /** Starts a daemon and waits until every port its command names accepts connections. */
  async daemon(ex: Example): Promise<string | null> {
    const { proc } = await this.run(ex);
    this.daemons.push(proc);
    const code = mapPorts(ex.code, this.ports, false);
    const ports: number[] = [];
    const listen =
      /(?:--?listen-(?:client|peer)-urls[ =]|ETCD_LISTEN_(?:CLIENT|PEER)_URLS=)'?([^\s']+)/g;
    for (const m of code.matchAll(listen)) ports.push(...portsIn(m[1]!).map(Number));
    try {
      for (const p of ports) await waitFor(() => canConnect(p), `port ${p}`, 20_000);
      // A member of a new multi-member cluster has no leader until the others start.
      const cluster = /--?initial-cluster[ =]'?([^\s']+)/.exec(code)?.[1] ?? '';
      const waitsForOthers =
        (cluster.includes(',') && !/initial-cluster-state[ =]existing/.test(code)) ||
        /--?discovery[ =]/.test(code);
      const adv =
        /(?:--?advertise-client-urls[ =]|ETCD_ADVERTISE_CLIENT_URLS=)(https?:\/\/[^\s,']+)/.exec(
          code,
        );
      if (adv?.[1]?.startsWith('https:')) {
        // TLS: ask with the member's own certificate (the example's throwaway ones).
        const cert = /--?cert-file[ =](\S+)/.exec(code)?.[1];
        const key = /--?key-file[ =](\S+)/.exec(code)?.[1];
        if (cert && key)
          await waitHealthyTls(adv[1]!, join(this.dir.path, cert), join(this.dir.path, key));
      } else if (adv && waitsForOthers) {
        // Members that wait for others are checked before the next example that is not a daemon.
        this.pending.push(adv[1]!);
      } else if (adv) await waitHealthy(adv[1]!);
      return null;
    } catch (e) {
      return `${this.file}:${ex.line}: daemon did not come up: ${(e as Error).message}\n${proc.output()}`;
    }
  }

  /** The store's watcher count over the page's members (a background watch registers). */
  async watchers(): Promise<number> {
    let n = 0;
    for (const m of this.members) {
      const res = await fetch(`${m.clientUrls[0]}/v2/stats/store`, {
        signal: AbortSignal.timeout(2000),
      });
      n += ((await res.json()) as { watchers: number }).watchers;
    }
    return n;
  }

  async stopDaemons(): Promise<void> {
    this.pending.length = 0;
    for (const d of this.daemons.splice(0).reverse()) {
      if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGTERM');
      await withTimeout(d.exited, 10_000, () => d.child.kill('SIGKILL'));
    }
  }

  async closeMembers(): Promise<void> {
    for (const m of this.members.splice(0)) {
      await withTimeout(m.close(), 15_000, () => {}).catch((e: Error) => {
        throw new Error(`${this.file}: a member did not close: ${e.message}`);
      });
    }
    this.peersEnv = '';
  }

  async close(): Promise<void> {
    await this.stopDaemons();
    await this.closeMembers();
    this.dir.remove();
  }

  mkdir(name: string): string {
    const p = join(this.dir.path, name);
    mkdirSync(p, { recursive: true });
    return p;
  }
}

async function waitHealthy(url: string): Promise<void> {
  await waitFor(
    async () => {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      return res.ok && String(((await res.json()) as { health: unknown }).health) === 'true';
    },
    `${url}/health`,
    20_000,
  );
}

async function waitHealthyTls(url: string, certFile: string, keyFile: string): Promise<void> {
  const cert = readFileSync(certFile);
  const key = readFileSync(keyFile);
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const req = httpsRequest(
          `${url}/health`,
          { cert, key, rejectUnauthorized: false, timeout: 2000 },
          (res) => {
            let body = '';
            res.on('data', (d: Buffer) => {
              body += d.toString();
            });
            res.on('end', () => resolve(res.statusCode === 200 && body.includes('true')));
          },
        );
        req.on('error', () => resolve(false));
        req.on('timeout', () => req.destroy());
        req.end();
      }),
    `${url}/health`,
    20_000,
  );
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`timed out after ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}
