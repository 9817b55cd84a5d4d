// etcd's discovery protocol (etcd 2 discovery/discovery.go) against any v2 keys server:
// read <token>/_config/size, register <token>/<member-id> = "name=peerurl,...", wait until
// `size` members registered, return their registrations as an initial-cluster string.
// A member beyond `size` gets "discovery: cluster is full" (etcd then falls back to
// proxy or exits, per --discovery-fallback).
import { log } from '../pkg/logger.js';
import { TimeoutError, type V2Node, type V2Options, type V2Response, v2Request } from './http.js';

export const ErrInvalidURL = 'discovery: invalid URL';
export const ErrBadSizeKey = 'discovery: size key is bad';
export const ErrSizeNotFound = 'discovery: size key not found';
export const ErrTokenNotFound = 'discovery: token not found';
export const ErrDuplicateID = 'discovery: found duplicate id';
export const ErrFullCluster = 'discovery: cluster is full';
export const ErrTooManyRetries = 'discovery: too many retries';

export type DiscoveryErrorCode =
  | 'invalid-url'
  | 'bad-size'
  | 'size-not-found'
  | 'token-not-found'
  | 'duplicate-id'
  | 'full'
  | 'too-many-retries'
  | 'other';

export class DiscoveryError extends Error {
  override name = 'DiscoveryError';
  constructor(
    readonly code: DiscoveryErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const errors = {
  badSize: () => new DiscoveryError('bad-size', ErrBadSizeKey),
  sizeNotFound: () => new DiscoveryError('size-not-found', ErrSizeNotFound),
  duplicate: () => new DiscoveryError('duplicate-id', ErrDuplicateID),
  full: () => new DiscoveryError('full', ErrFullCluster),
  tooMany: () => new DiscoveryError('too-many-retries', ErrTooManyRetries),
};

export interface DiscoveryOptions {
  /** --discovery-proxy ("" for none). */
  proxy?: string;
  /** Per-request timeout for non-watch requests (etcd: 5s). */
  requestTimeoutMs?: number;
  /** Backoff after a timeout is base * 2^retries (etcd: 1s). */
  retryBaseMs?: number;
  maxRetries?: number;
  /** Log lines as etcd wrote them (default: the process logger). */
  log?: (line: string) => void;
  /** Aborts waiting (e.g. on shutdown). */
  signal?: AbortSignal;
}

/** "name=url,name=url" for this member's registration (etcdmain genClusterString). */
export function genClusterString(name: string, peerUrls: readonly string[]): string {
  return peerUrls.map((u) => `${name}=${u}`).join(',');
}

/** The proxy URL as etcd's newProxyFunc sanitises it (a bare host:port gets http://). */
export function parseDiscoveryProxy(proxy: string): URL | null {
  if (proxy === '') return null;
  let u: URL | null = null;
  try {
    u = new URL(proxy);
    if (!u.protocol.startsWith('http')) u = null;
  } catch {
    u = null;
  }
  if (u === null) {
    try {
      u = new URL(`http://${proxy}`);
    } catch (e) {
      throw new DiscoveryError(
        'other',
        `invalid proxy address ${JSON.stringify(proxy)}: ${(e as Error).message}`,
      );
    }
  }
  return u;
}

const base = (key: string) => key.slice(key.lastIndexOf('/') + 1);

class Discovery {
  private readonly origin: URL;
  /** The discovery URL's path, e.g. /v2/keys/discovery/<token>. */
  private readonly cluster: string;
  private readonly id: string;
  private readonly proxy: URL | null;
  private readonly requestTimeoutMs: number;
  private readonly retryBaseMs: number;
  private readonly maxRetries: number;
  private readonly log: (line: string) => void;
  private readonly signal: AbortSignal | undefined;
  private retries = 0;

  constructor(durl: string, id: string, opts: DiscoveryOptions) {
    let u: URL;
    try {
      u = new URL(durl);
    } catch {
      throw new DiscoveryError('invalid-url', ErrInvalidURL);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      throw new DiscoveryError('invalid-url', ErrInvalidURL);
    this.cluster = u.pathname.replace(/\/+$/, '');
    this.origin = new URL(u.origin);
    this.id = id;
    this.log = opts.log ?? ((l) => log.info(l));
    this.proxy = parseDiscoveryProxy(opts.proxy ?? '');
    if (this.proxy) this.log(`discovery: using proxy ${JSON.stringify(this.proxy.href)}`);
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 5000;
    this.retryBaseMs = opts.retryBaseMs ?? 1000;
    this.maxRetries = opts.maxRetries ?? 0xffffffff;
    this.signal = opts.signal;
  }

  private opts(timeoutMs: number): V2Options {
    const o: V2Options = { proxy: this.proxy, timeoutMs };
    if (this.signal) o.signal = this.signal;
    return o;
  }

  private selfKey(): string {
    return `${this.cluster}/${this.id}`;
  }

  private async get(path: string): Promise<V2Response> {
    return v2Request(this.origin, 'GET', path, {}, null, this.opts(this.requestTimeoutMs));
  }

  async joinCluster(config: string): Promise<string> {
    // Fast path: a full cluster needs no registration.
    await this.checkCluster();
    await this.createSelf(config);
    const { nodes, size, index } = await this.checkCluster();
    const all = await this.waitNodes(nodes, size, index);
    return nodesToCluster(all);
  }

  async getCluster(): Promise<string> {
    let r: { nodes: V2Node[]; size: number; index: number };
    try {
      r = await this.checkCluster();
    } catch (e) {
      if (e instanceof FullClusterError) return nodesToCluster(e.nodes);
      throw e;
    }
    return nodesToCluster(await this.waitNodes(r.nodes, r.size, r.index));
  }

  private async createSelf(contents: string): Promise<void> {
    const r = await v2Request(
      this.origin,
      'PUT',
      this.selfKey(),
      { prevExist: 'false' },
      { value: contents },
      this.opts(this.requestTimeoutMs),
    );
    if (r.errorCode === 105) throw errors.duplicate();
    if (r.errorCode !== undefined || !r.node) throw v2Error(r);
    // Make sure our registration is visible on the server we talk to.
    const w = await v2Request(
      this.origin,
      'GET',
      this.selfKey(),
      { wait: 'true', waitIndex: String(r.node.createdIndex) },
      null,
      this.opts(0),
    );
    if (w.errorCode !== undefined) throw v2Error(w);
  }

  private async checkCluster(): Promise<{ nodes: V2Node[]; size: number; index: number }> {
    let sizeResp: V2Response;
    try {
      sizeResp = await this.get(`${this.cluster}/_config/size`);
    } catch (e) {
      if (e instanceof TimeoutError) return this.checkClusterRetry();
      throw networkError(e);
    }
    if (sizeResp.errorCode === 100) throw errors.sizeNotFound();
    if (sizeResp.errorCode !== undefined) throw v2Error(sizeResp);
    const sizeStr = sizeResp.node?.value ?? '';
    if (!/^[+-]?[0-9]+$/.test(sizeStr)) throw errors.badSize();
    const size = Number(sizeStr);

    let dirResp: V2Response;
    try {
      dirResp = await this.get(this.cluster);
    } catch (e) {
      if (e instanceof TimeoutError) return this.checkClusterRetry();
      throw networkError(e);
    }
    if (dirResp.errorCode !== undefined) throw v2Error(dirResp);
    const nodes = (dirResp.node?.nodes ?? []).filter((n) => base(n.key) !== '_config');
    nodes.sort((a, b) => a.createdIndex - b.createdIndex);
    const self = base(this.selfKey());
    for (let i = 0; i < nodes.length; i++) {
      if (base(nodes[i]!.key) === self) break;
      if (i >= size - 1) throw new FullClusterError(nodes.slice(0, Math.max(size, 0)));
    }
    return { nodes, size, index: dirResp.etcdIndex };
  }

  private async backoff(step: string): Promise<void> {
    this.retries++;
    const ms = this.retryBaseMs * 2 ** this.retries;
    this.log(
      `discovery: during ${step} connection to ${this.origin.origin} timed out, retrying in ${goDuration(ms)}`,
    );
    await new Promise((r) => setTimeout(r, ms));
  }

  private async checkClusterRetry(): Promise<{ nodes: V2Node[]; size: number; index: number }> {
    if (this.retries < this.maxRetries) {
      await this.backoff('cluster status check');
      return this.checkCluster();
    }
    throw errors.tooMany();
  }

  private async waitNodes(nodes: V2Node[], size: number, index: number): Promise<V2Node[]> {
    const all = nodes.slice(0, size);
    const self = base(this.selfKey());
    for (const n of all) {
      if (base(n.key) === self) this.log(`discovery: found self ${self} in the cluster`);
      else this.log(`discovery: found peer ${base(n.key)} in the cluster`);
    }
    let waitIndex = index + 1;
    while (all.length < size) {
      this.log(`discovery: found ${all.length} peer(s), waiting for ${size - all.length} more`);
      let r: V2Response;
      try {
        r = await v2Request(
          this.origin,
          'GET',
          this.cluster,
          { wait: 'true', recursive: 'true', waitIndex: String(waitIndex) },
          null,
          this.opts(0),
        );
      } catch (e) {
        if (e instanceof TimeoutError) return this.waitNodesRetry();
        throw networkError(e);
      }
      if (r.errorCode === 401) {
        // The watch window moved past us: look again from the current state.
        const again = await this.checkCluster();
        return this.waitNodes(again.nodes, again.size, again.index);
      }
      if (r.errorCode !== undefined || !r.node) throw v2Error(r);
      waitIndex = r.node.modifiedIndex + 1;
      if (base(r.node.key) === '_config' || r.node.key.includes('/_config/')) continue;
      if (r.action !== 'create' && r.action !== 'set') continue;
      if (all.some((n) => n.key === r.node!.key)) continue;
      this.log(`discovery: found peer ${base(r.node.key)} in the cluster`);
      all.push(r.node);
    }
    this.log(`discovery: found ${all.length} needed peer(s)`);
    return all;
  }

  private async waitNodesRetry(): Promise<V2Node[]> {
    if (this.retries < this.maxRetries) {
      await this.backoff('waiting for other nodes');
      const r = await this.checkCluster();
      return this.waitNodes(r.nodes, r.size, r.index);
    }
    throw errors.tooMany();
  }
}

class FullClusterError extends DiscoveryError {
  readonly nodes: V2Node[];
  constructor(nodes: V2Node[]) {
    super('full', ErrFullCluster);
    this.nodes = nodes;
  }
}

function v2Error(r: V2Response): DiscoveryError {
  if (r.errorCode !== undefined) {
    return new DiscoveryError('other', `${r.errorCode}: ${r.message ?? ''} [${r.etcdIndex}]`);
  }
  return new DiscoveryError('other', `discovery: unexpected response (HTTP ${r.status})`);
}

function networkError(e: unknown): Error {
  if (e instanceof DiscoveryError) return e;
  return new DiscoveryError(
    'other',
    `client: etcd cluster is unavailable or misconfigured (${(e as Error).message})`,
  );
}

function nodesToCluster(nodes: readonly V2Node[]): string {
  return nodes.map((n) => n.value ?? '').join(',');
}

/** Go's time.Duration.String for whole seconds/milliseconds. */
function goDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * Registers this member (`id`, `config` = "name=peerurl,...") with the discovery service
 * at `durl` and waits for the others; resolves with the initial-cluster string.
 * Throws DiscoveryError (code 'full' when the cluster has its members already).
 */
export async function joinCluster(
  durl: string,
  id: string,
  config: string,
  opts: DiscoveryOptions = {},
): Promise<string> {
  return new Discovery(durl, id, opts).joinCluster(config);
}

/** For proxies: the registered members (waiting until the cluster is complete). */
export async function getCluster(durl: string, opts: DiscoveryOptions = {}): Promise<string> {
  return new Discovery(durl, '0', opts).getCluster();
}

/** The lines etcd logs when a member registered before but has no data dir now. */
export function duplicateIdMessages(name: string, durl: string, dataDir: string): string[] {
  return [
    `member ${JSON.stringify(name)} has previously registered with discovery service token (${durl}).`,
    `But etcd could not find vaild cluster configuration in the given data dir (${dataDir}).`,
    'Please check the given data dir path if the previous bootstrap succeeded',
    'or use a new discovery token if the previous bootstrap failed.',
  ];
}

/** What etcd logs before falling back to proxy on a full discovery cluster. */
export const FALLBACK_TO_PROXY_MESSAGE = 'etcd: discovery cluster full, falling back to proxy';
