// What every command shares: output streams, global flags, exiting with etcdctl's codes
// and messages, and the client built as etcdctl builds it (endpoints, TLS, sync, debug).
import { readFileSync } from 'node:fs';
import { Client, ClusterError, EtcdError, NoEndpointsError } from '../../client/index.js';
import type { TlsOptions } from '../../client/types.js';
import { discoverSrv } from './discovery.js';
import type { FlagValues } from './goflag.js';

export const ExitSuccess = 0;
export const ExitBadArgs = 1;
export const ExitBadConnection = 2;
export const ExitBadAuth = 3;
export const ExitServerError = 4;
export const ExitClusterNotHealthy = 5;

/** Thrown to end the command with an exit code (Go's os.Exit). */
export class Exit {
  constructor(readonly code: number) {}
}

/** Go's %q of a request body. */
function goQuoteBody(s: string): string {
  return JSON.stringify(s);
}

/** url.Parse as getEndpoints uses it, with the scheme defaulted to http. */
export function parseEndpoint(ep: string): string {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(ep);
  if (m !== null) return ep;
  if (ep.startsWith(':')) throw new Error(`parse ${JSON.stringify(ep)}: missing protocol scheme`);
  const firstSegment = ep.split('/')[0]!;
  if (!ep.startsWith('/') && firstSegment.includes(':')) {
    throw new Error(`parse ${JSON.stringify(ep)}: first path segment in URL cannot contain colon`);
  }
  return ep.startsWith('//') ? `http:${ep}` : `http://${ep.replace(/^\/+/, '')}`;
}

export class Ctl {
  readonly env: NodeJS.ProcessEnv;
  private clients: Client[] = [];

  constructor(
    readonly global: FlagValues,
    env: NodeJS.ProcessEnv,
    private readonly stdout: (s: string) => void,
    private readonly stderr: (s: string) => void,
    /** Everything on stdin (set/mk/update read the value there when it is missing). */
    readonly readStdin: () => Promise<string>,
  ) {
    this.env = env;
  }

  out(s: string): void {
    this.stdout(s);
  }

  err(s: string): void {
    this.stderr(s);
  }

  get output(): string {
    return this.global.string('output');
  }

  exit(code: number): never {
    throw new Exit(code);
  }

  /** error.go's handleError: `Error:  <err>` (and a ClusterError's detail), then exit. */
  handleError(code: number, err: unknown): never {
    if (err instanceof EtcdError) {
      this.err(`Error:  ${err.toString()}\n`);
    } else if (err instanceof ClusterError) {
      this.err(`Error:  ${err.message}\n${err.detail()}\n`);
    } else {
      this.err(`Error:  ${err instanceof Error ? err.message : String(err)}\n`);
    }
    this.exit(code);
  }

  /** An AbortSignal for --total-timeout (default 5s). */
  totalTimeout(): AbortSignal {
    const ms = this.global.int('total-timeout');
    // Below a millisecond the deadline has passed before any answer can come.
    return ms < 1 ? AbortSignal.abort() : AbortSignal.timeout(Math.ceil(ms));
  }

  /** The Go client turns a context deadline into "context deadline exceeded". */
  deadline(err: unknown, signal: AbortSignal): unknown {
    if (signal.aborted && err instanceof Error && err.name === 'AbortError') {
      return new Error('context deadline exceeded');
    }
    return err;
  }

  private envOr(flag: string, envName: string): string {
    const v = this.global.string(flag);
    return v !== '' ? v : (this.env[envName] ?? '');
  }

  private peers(): string[] {
    let s = this.envOr('endpoints', 'ETCDCTL_ENDPOINTS');
    if (s === '') s = this.envOr('endpoint', 'ETCDCTL_ENDPOINT');
    if (s === '') s = this.envOr('peers', 'ETCDCTL_PEERS');
    if (s === '') s = 'http://127.0.0.1:2379,http://127.0.0.1:4001';
    return s.split(',');
  }

  private discovery(): { domain: string; insecure: boolean; service: string } {
    return {
      domain: this.envOr('discovery-srv', 'ETCDCTL_DISCOVERY_SRV'),
      insecure:
        this.global.bool('insecure-discovery') ||
        (this.env.ETCDCTL_INSECURE_DISCOVERY ?? '') !== '',
      service: this.env.ETCDCTL_DISCOVERY_SRV_NAME ?? '',
    };
  }

  private async endpoints(): Promise<string[]> {
    let eps: string[] = [];
    const d = this.discovery();
    if (d.domain !== '') {
      eps = await discoverSrv(d.domain, d.service);
      if (!d.insecure) {
        eps = eps.filter((ep) => {
          if (!ep.startsWith('http://')) return true;
          this.err(`ignoring discovered insecure endpoint ${JSON.stringify(ep)}\n`);
          return false;
        });
      }
    }
    if (eps.length === 0) eps = this.peers();
    return eps.map(parseEndpoint);
  }

  /** The TLS options, throwing on an unreadable or unpaired file. */
  readTls(): TlsOptions | undefined {
    const ca = this.envOr('ca-file', 'ETCDCTL_CA_FILE');
    const cert = this.envOr('cert-file', 'ETCDCTL_CERT_FILE');
    const key = this.envOr('key-file', 'ETCDCTL_KEY_FILE');
    if (ca === '' && cert === '' && key === '') return undefined;
    const read = (f: string) => {
      try {
        return readFileSync(f);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new Error(
          `open ${f}: ${code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`,
        );
      }
    };
    const out: TlsOptions = {};
    if (cert !== '' || key !== '') {
      if (cert === '' || key === '') {
        throw new Error(`KeyFile and CertFile must both be present[key: ${key}, cert: ${cert}]`);
      }
      out.cert = read(cert);
      out.key = read(key);
    }
    if (ca !== '') out.ca = read(ca);
    const d = this.discovery();
    if (d.domain !== '' && !d.insecure) out.servername = d.domain;
    return out;
  }

  /** newClient: endpoints, transport, per-request timeout, credentials. */
  private async newClient(): Promise<Client> {
    try {
      const endpoints = await this.endpoints();
      const tls = this.readTls();
      const user = this.envOr('username', 'ETCDCTL_USERNAME');
      let username: string | undefined;
      let password: string | undefined;
      if (user !== '') {
        const i = user.indexOf(':');
        if (i < 0) {
          username = user;
          password = await readPassword(this);
        } else {
          username = user.slice(0, i);
          password = user.slice(i + 1);
        }
      }
      const c = new Client({
        endpoints,
        tls,
        timeout: this.global.int('timeout'),
        username,
        password,
      });
      this.clients.push(c);
      return c;
    } catch (e) {
      if (e instanceof Exit) throw e;
      this.err(`${(e as Error).message}\n`);
      this.exit(1);
    }
  }

  private debugHook(c: Client): void {
    c.onRequest = (method, url, body) => {
      let cmd = `curl -X ${method} ${url}`;
      if (body !== null) cmd += ` -d ${goQuoteBody(body)}`;
      this.err(`cURL Command: ${cmd}\n`);
    };
  }

  /** mustNewClient: synced with /v2/members unless --no-sync. */
  async client(): Promise<Client> {
    const c = await this.newClient();
    const debug = this.global.bool('debug');
    if (debug) this.debugHook(c);
    if (!this.global.bool('no-sync')) {
      if (debug) this.err(`start to sync cluster using endpoints(${c.endpoints().join(',')})\n`);
      const signal = this.totalTimeout();
      try {
        await c.sync({ signal });
      } catch (e) {
        if (e instanceof NoEndpointsError) {
          this.err('etcd cluster has no published client endpoints.\n');
          this.err(
            `Try '--no-sync' if you want to access non-published client endpoints(${c.endpoints().join(',')}).\n`,
          );
          this.handleError(ExitServerError, e);
        }
        if (e instanceof ClusterError && e.isConnectionError())
          this.handleError(ExitBadConnection, e);
        // A deadline is a net.Error timeout to etcdctl: a connection error too.
        if (signal.aborted) this.handleError(ExitBadConnection, this.deadline(e, signal));
      }
      if (debug) this.err(`got endpoints(${c.endpoints().join(',')}) after sync\n`);
    }
    if (debug) this.err(`Cluster-Endpoints: ${c.endpoints().join(', ')}\n`);
    return c;
  }

  /** mustNewClientNoSync (cluster-health). */
  async clientNoSync(): Promise<Client> {
    const c = await this.newClient();
    if (this.global.bool('debug')) {
      this.err(`Cluster-Endpoints: ${c.endpoints().join(', ')}\n`);
      this.debugHook(c);
    }
    return c;
  }

  close(): void {
    for (const c of this.clients) c.close();
    this.clients = [];
  }
}

/** Prompts for the password on the terminal without echo (speakeasy.Ask). */
async function readPassword(ctl: Ctl): Promise<string> {
  ctl.err('Password: ');
  const stdin = process.stdin;
  const raw = stdin.isTTY === true;
  if (raw) stdin.setRawMode(true);
  return new Promise((resolve) => {
    let buf = '';
    const onData = (d: Buffer) => {
      const s = d.toString('utf8');
      for (const ch of s) {
        if (ch === '\n' || ch === '\r' || ch === '\u0004') {
          stdin.off('data', onData);
          if (raw) stdin.setRawMode(false);
          stdin.pause();
          ctl.err('\n');
          resolve(buf);
          return;
        }
        buf += ch;
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}
