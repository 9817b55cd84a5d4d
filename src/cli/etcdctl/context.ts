// What every command shares: output streams, global flags, exiting with 2.0.13's etcdctl
// codes and messages, and the client built as it builds it (--peers, TLS, sync, debug).
import { readFileSync } from 'node:fs';
import { Client, ClusterError, EtcdError, NoEndpointsError } from '../../client/index.js';
import type { TlsOptions } from '../../client/types.js';
import type { FlagValues } from './goflag.js';

// error.go's codes (MalformedEtcdctlArguments is declared there but never used).
export const ExitSuccess = 0;
export const ExitBadArgs = 1;
export const ExitBadConnection = 2;
export const ExitServerError = 4;

/** Thrown to end the command with an exit code (Go's os.Exit). */
export class Exit {
  constructor(readonly code: number) {}
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

/** The members tried without --peers or ETCDCTL_PEERS (2.0.13's ports, with a scheme). */
export const DEFAULT_PEERS = 'http://127.0.0.1:4001,http://127.0.0.1:2379';

export class Ctl {
  readonly env: NodeJS.ProcessEnv;
  private clients: Client[] = [];
  /** The sync found no published client URLs: no request can be sent. */
  noMachines = false;

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

  /**
   * error.go's handleError: `Error:  <err>`, then exit. A request no endpoint answered is
   * go-etcd's own 501 error.
   */
  handleError(code: number, err: unknown): never {
    if (err instanceof EtcdError) {
      this.err(`Error:  ${err.toString()}\n`);
    } else if (err instanceof ClusterError) {
      this.err(
        'Error:  501: All the given peers are not reachable (Tried to connect to each peer twice and failed) [0]\n',
      );
    } else {
      this.err(`Error:  ${err instanceof Error ? err.message : String(err)}\n`);
    }
    this.exit(code);
  }

  /** 2.0.13's etcdctl has no timeouts: a signal that never aborts. */
  totalTimeout(): AbortSignal {
    return new AbortController().signal;
  }

  deadline(err: unknown, _signal: AbortSignal): unknown {
    return err;
  }

  private envOr(flag: string, envName: string): string {
    const v = this.global.string(flag);
    return v !== '' ? v : (this.env[envName] ?? '');
  }

  /**
   * getPeersFlagValue: --peers, ETCDCTL_PEERS, then both default ports. A deliberate
   * difference: 2.0.13's defaults have no scheme, which url.Parse refuses (so etcdctl
   * without --peers never worked); etcd 2.1 and later give them one, as here.
   */
  private peers(): string[] {
    let s = this.envOr('peers', 'ETCDCTL_PEERS');
    if (s === '') s = DEFAULT_PEERS;
    return s.split(',');
  }

  /** getEndpoints: each peer through url.Parse, the scheme defaulted to http. */
  endpoints(): string[] {
    return this.peers().map(parseEndpoint);
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
    return out;
  }

  /** The client on the given endpoints and transport; `fail` reports a bad flag. */
  newClient(fail: (e: unknown) => never): Client {
    let c: Client;
    try {
      c = new Client({ endpoints: this.endpoints(), tls: this.readTls(), timeout: 0 });
    } catch (e) {
      fail(e);
    }
    this.clients.push(c);
    return c;
  }

  /** --debug: each request as a cURL command line (go-etcd's Curl-Example). */
  private debugHook(c: Client): void {
    if (this.global.bool('debug')) {
      c.onRequest = (method, url, body) => {
        let cmd = `curl -X ${method} ${url}`;
        // go-etcd prints each form field unencoded (in Go's map order, which varies).
        if (body !== null && body !== '') {
          for (const [k, v] of new URLSearchParams(body)) cmd += ` -d ${k}=${v}`;
        }
        this.err(`Curl-Example: ${cmd}\n`);
      };
    }
  }

  /** rawhandle: the go-etcd client, synced with the cluster unless --no-sync. */
  async client(): Promise<Client> {
    const c = this.newClient((e) => this.handleError(ExitServerError, e));
    if (!this.global.bool('no-sync')) {
      const eps = c.endpoints();
      try {
        await c.sync();
      } catch (e) {
        // A cluster publishing no client URLs: go-etcd's sync "succeeds" with an empty
        // machine list, and every request then fails.
        if (e instanceof NoEndpointsError) {
          this.noMachines = true;
          return c;
        }
        this.handleError(
          ExitBadConnection,
          new Error(`cannot sync with the cluster using endpoints ${eps.join(', ')}`),
        );
      }
    }
    if (this.global.bool('debug')) this.err(`Cluster-Endpoints: ${c.endpoints().join(', ')}\n`);
    // go-etcd records the cURL lines of keys requests only, not of its sync.
    this.debugHook(c);
    return c;
  }

  close(): void {
    for (const c of this.clients) c.close();
    this.clients = [];
  }
}
