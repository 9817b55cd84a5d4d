// The typed v2 client: keys, watches, members, stats, version and health over a set of
// endpoints with failover (see cluster.ts).
import type { IncomingMessage } from 'node:http';
import { EndpointSet } from './cluster.js';
import {
  ClusterError,
  EndpointError,
  EtcdError,
  EventIndexClearedError,
  InvalidResponseError,
  MembersError,
  NoEndpointsError,
  UnexpectedStatusError,
} from './errors.js';
import { escapePath } from './escape.js';
import {
  createInOrderRequest,
  deleteRequest,
  FORM,
  getRequest,
  type KeysRequest,
  parseKeysResponse,
  setRequest,
  watchRequest,
} from './keys.js';
import { AbortError, type RawResponse } from './transport.js';
import type {
  ClientOptions,
  CompareOptions,
  DeleteOptions,
  GetOptions,
  HealthInfo,
  KeysResponse,
  LeaderStats,
  Member,
  RequestOptions,
  SelfStats,
  SetOptions,
  StoreStats,
  TtlOptions,
  VersionInfo,
  WatchOptions,
} from './types.js';

const JSON_TYPE = 'application/json';

/** Called with every request before it is sent (etcdctl's --debug prints cURL lines). */
export type RequestHook = (method: string, url: string, body: string | null) => void;

function sleep(ms: number, signal: AbortSignal | null): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function parseJson<T>(res: RawResponse): T {
  try {
    return JSON.parse(res.body) as T;
  } catch {
    throw new InvalidResponseError();
  }
}

function membersError(res: RawResponse): MembersError {
  const b = parseJson<{ message?: string }>(res);
  return new MembersError(b.message ?? '', res.status);
}

export class Client {
  private readonly set_: EndpointSet;
  private readonly timeout: number;
  private readonly prefix: string;
  private syncTimer: NodeJS.Timeout | null = null;

  constructor(options: ClientOptions = {}) {
    const eps = options.endpoints ?? ['http://127.0.0.1:2379'];
    const auth =
      options.username !== undefined
        ? `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`
        : null;
    this.set_ = new EndpointSet(eps, options.tls, auth, options.retryRounds ?? 1);
    this.timeout = options.timeout ?? 5000;
    this.prefix = options.keysPrefix ?? '/v2/keys';
    const every = options.autoSyncInterval ?? 0;
    if (every > 0) {
      this.syncTimer = setInterval(() => {
        this.sync().catch(() => {
          // keep the current list; the next round may succeed
        });
      }, every);
      this.syncTimer.unref();
    }
  }

  /** Observes every attempt before it is sent (etcdctl --debug prints cURL lines). */
  set onRequest(hook: RequestHook | null) {
    this.set_.onSend = hook;
  }

  /** The current endpoint list. */
  endpoints(): string[] {
    return this.set_.urls();
  }

  /** Replaces the endpoint list (an empty list is an error). */
  setEndpoints(urls: string[]): void {
    this.set_.set(urls);
  }

  /** Replaces the endpoints with the client URLs the cluster publishes in /v2/members.
   *  A cluster that publishes none is an error (NoEndpointsError); the list is kept. */
  async sync(opts?: RequestOptions): Promise<void> {
    const members = await this.members(opts);
    const urls: string[] = [];
    for (const m of members) for (const u of m.clientURLs) urls.push(u);
    if (urls.length === 0) throw new NoEndpointsError();
    this.set_.set(urls);
  }

  /** Stops auto-sync and closes every pooled connection. */
  close(): void {
    if (this.syncTimer !== null) clearInterval(this.syncTimer);
    this.syncTimer = null;
    this.set_.close();
  }

  private async raw(
    method: string,
    path: string,
    body: string | null,
    contentType: string | null,
    opts: { signal?: AbortSignal | undefined; idempotent?: boolean; timeout?: number } = {},
  ): Promise<RawResponse> {
    return this.set_.do({
      method,
      path,
      body,
      contentType,
      timeout: opts.timeout ?? this.timeout,
      signal: opts.signal ?? null,
      idempotent: opts.idempotent ?? true,
      onHeaders: null,
      failover: true,
    });
  }

  private async keys(r: KeysRequest, signal: AbortSignal | undefined): Promise<KeysResponse> {
    const res = await this.raw(r.method, r.path, r.body, r.body === null ? null : FORM, {
      idempotent: r.method !== 'POST',
      signal,
    });
    const out = parseKeysResponse(res);
    if (out === null) throw new InvalidResponseError('client: response body is empty');
    return out;
  }

  // ---- keys ----------------------------------------------------------------------

  get(key: string, opts?: GetOptions): Promise<KeysResponse> {
    return this.keys(getRequest(this.prefix, key, opts), opts?.signal);
  }

  /** PUT a value (or a directory with `dir: true`), with any of the conditions. */
  set(key: string, value: string, opts?: SetOptions): Promise<KeysResponse> {
    return this.keys(setRequest(this.prefix, key, value, opts), opts?.signal);
  }

  /** Creates the key; 105 Key already exists if it does. */
  create(key: string, value: string, opts?: TtlOptions): Promise<KeysResponse> {
    return this.set(key, value, { ttl: opts?.ttl, prevExist: false, signal: opts?.signal });
  }

  /** POSTs a value under `dir` with a key named after the new index. */
  createInOrder(dir: string, value: string, opts?: TtlOptions): Promise<KeysResponse> {
    return this.keys(createInOrderRequest(this.prefix, dir, value, opts?.ttl), opts?.signal);
  }

  /** Updates an existing key; 100 Key not found if it does not exist. */
  update(key: string, value: string, opts?: TtlOptions): Promise<KeysResponse> {
    return this.set(key, value, { ttl: opts?.ttl, prevExist: true, signal: opts?.signal });
  }

  /** Sets the key only if its value and/or modifiedIndex match (101 Compare failed). */
  compareAndSwap(
    key: string,
    value: string,
    cmp: CompareOptions & TtlOptions,
  ): Promise<KeysResponse> {
    if ((cmp.prevValue === undefined || cmp.prevValue === '') && !cmp.prevIndex) {
      throw new TypeError('compareAndSwap needs prevValue or prevIndex');
    }
    return this.set(key, value, {
      ttl: cmp.ttl,
      prevValue: cmp.prevValue,
      prevIndex: cmp.prevIndex,
    });
  }

  delete(key: string, opts?: DeleteOptions): Promise<KeysResponse> {
    return this.keys(deleteRequest(this.prefix, key, opts), opts?.signal);
  }

  /** Deletes the key only if its value and/or modifiedIndex match. */
  compareAndDelete(key: string, cmp: CompareOptions): Promise<KeysResponse> {
    if ((cmp.prevValue === undefined || cmp.prevValue === '') && !cmp.prevIndex) {
      throw new TypeError('compareAndDelete needs prevValue or prevIndex');
    }
    return this.delete(key, {
      prevValue: cmp.prevValue,
      prevIndex: cmp.prevIndex,
      signal: cmp.signal,
    });
  }

  /** Creates a directory; 105 if the key exists. */
  mkdir(key: string, opts?: TtlOptions): Promise<KeysResponse> {
    return this.set(key, '', { dir: true, prevExist: false, ttl: opts?.ttl, signal: opts?.signal });
  }

  /** Creates a directory or updates an existing directory's ttl. */
  setdir(key: string, opts?: TtlOptions): Promise<KeysResponse> {
    return this.set(key, '', { dir: true, ttl: opts?.ttl, signal: opts?.signal });
  }

  /** Updates an existing directory's ttl (no ttl: the directory becomes permanent). */
  updatedir(key: string, opts?: TtlOptions): Promise<KeysResponse> {
    return this.set(key, '', { dir: true, prevExist: true, ttl: opts?.ttl, signal: opts?.signal });
  }

  /** Sets or removes (`ttl: null`) a key's ttl, keeping its value: a CAS on the
   *  current value and index, so a concurrent change is a 101 rather than lost. */
  async setTtl(key: string, ttl: number | null): Promise<KeysResponse> {
    const cur = await this.get(key);
    if (cur.node.dir === true) {
      return this.set(key, '', { dir: true, prevExist: true, ttl: ttl === null ? null : ttl });
    }
    return this.set(key, cur.node.value ?? '', {
      ttl: ttl === null ? null : ttl,
      prevIndex: cur.node.modifiedIndex,
    });
  }

  // ---- watches -------------------------------------------------------------------

  /** Waits for the next event on `key` after `afterIndex` (or from now). */
  async watchOnce(key: string, opts: WatchOptions = {}): Promise<KeysResponse> {
    for await (const ev of this.watch(key, opts)) return ev;
    throw new AbortError();
  }

  /**
   * Events on `key` (and below, if recursive), in order, each once: every request asks
   * for the index after the last event delivered, across reconnects and endpoint
   * changes. `401 event index cleared` throws EventIndexClearedError, unless `resync`.
   */
  async *watch(
    key: string,
    opts: WatchOptions = {},
  ): AsyncGenerator<KeysResponse, void, undefined> {
    const recursive = opts.recursive === true;
    const signal = opts.signal ?? null;
    const reconnect = opts.reconnect !== false;
    let waitIndex = opts.afterIndex !== undefined && opts.afterIndex > 0 ? opts.afterIndex + 1 : 0;
    let failures = 0;
    let backoff = 50;
    while (signal === null || !signal.aborted) {
      let startIndex = 0;
      const onHeaders = (res: IncomingMessage) => {
        const v = res.headers['x-etcd-index'];
        if (typeof v === 'string') startIndex = Number(v) || 0;
      };
      const r = watchRequest(this.prefix, key, recursive, waitIndex);
      let ev: KeysResponse | null;
      try {
        const res = await this.set_.do({
          method: 'GET',
          path: r.path,
          body: null,
          contentType: null,
          timeout: 0,
          signal,
          idempotent: true,
          onHeaders,
          failover: !reconnect,
        });
        ev = parseKeysResponse(res);
      } catch (e) {
        if (e instanceof AbortError) return;
        if (e instanceof EventIndexClearedError) {
          if (opts.resync !== true) throw e;
          try {
            const cur = await this.get(key, { recursive, signal: signal ?? undefined });
            waitIndex = cur.index + 1;
            yield cur;
          } catch (ge) {
            if (ge instanceof AbortError) return;
            if (!(ge instanceof EtcdError) || ge.errorCode !== 100) throw ge;
            waitIndex = ge.index + 1;
          }
          continue;
        }
        // 400: the server reset its watchers (a snapshot recovery): watch again.
        const reset = e instanceof EtcdError && e.errorCode === 400;
        if (!reconnect && !reset) throw e;
        if (
          !reset &&
          !(e instanceof ClusterError) &&
          !(e instanceof EndpointError) &&
          !(e instanceof InvalidResponseError)
        ) {
          throw e;
        }
        // Never restart "from now" after the server accepted the watch: from its start.
        if (waitIndex === 0 && startIndex > 0) waitIndex = startIndex + 1;
        failures++;
        if (failures % this.set_.urls().length === 0) {
          await sleep(backoff, signal);
          backoff = Math.min(backoff * 2, 1000);
        }
        continue;
      }
      failures = 0;
      backoff = 50;
      if (ev === null) {
        if (waitIndex === 0 && startIndex > 0) waitIndex = startIndex + 1;
        continue;
      }
      waitIndex = ev.node.modifiedIndex + 1;
      yield ev;
    }
  }

  // ---- members -------------------------------------------------------------------

  async members(opts?: RequestOptions): Promise<Member[]> {
    const res = await this.raw('GET', '/v2/members', null, null, { signal: opts?.signal });
    if (res.status !== 200) throw new UnexpectedStatusError(res.status);
    return parseJson<{ members: Member[] }>(res).members ?? [];
  }

  /** The leader, from /v2/members/leader (or /v2/stats/self where that is missing). */
  async leader(opts?: RequestOptions): Promise<Member> {
    const res = await this.raw('GET', '/v2/members/leader', null, null, { signal: opts?.signal });
    if (res.status === 200) return parseJson<Member>(res);
    if (res.status !== 404) throw new UnexpectedStatusError(res.status);
    const self = await this.selfStats();
    const m = (await this.members(opts)).find((x) => x.id === self.leaderInfo.leader);
    if (m === undefined) throw new UnexpectedStatusError(404);
    return m;
  }

  async addMember(peerURLs: string | string[], opts?: RequestOptions): Promise<Member> {
    const urls = typeof peerURLs === 'string' ? [peerURLs] : peerURLs;
    const res = await this.raw(
      'POST',
      '/v2/members',
      JSON.stringify({ peerURLs: urls }),
      JSON_TYPE,
      // Sent again on failure as the Go client does: a repeated add is refused (409).
      { signal: opts?.signal },
    );
    if (res.status === 201) return parseJson<Member>(res);
    if (res.status === 409) throw membersError(res);
    throw new UnexpectedStatusError(res.status);
  }

  /** Removes a member by ID (410: already removed, not an error). */
  async removeMember(id: string, opts?: RequestOptions): Promise<void> {
    const res = await this.raw('DELETE', `/v2/members/${escapePath(id)}`, null, null, {
      signal: opts?.signal,
    });
    if (res.status !== 204 && res.status !== 410) throw new UnexpectedStatusError(res.status);
  }

  async updateMember(
    id: string,
    peerURLs: string | string[],
    opts?: RequestOptions,
  ): Promise<void> {
    const urls = typeof peerURLs === 'string' ? [peerURLs] : peerURLs;
    const body = JSON.stringify({ peerURLs: urls });
    const res = await this.raw('PUT', `/v2/members/${escapePath(id)}`, body, JSON_TYPE, {
      signal: opts?.signal,
    });
    if (res.status === 204) return;
    if (res.status === 404 || res.status === 409) throw membersError(res);
    throw new UnexpectedStatusError(res.status);
  }

  // ---- stats, version, health ----------------------------------------------------

  private async getJson<T>(path: string): Promise<T> {
    const res = await this.raw('GET', path, null, null);
    if (res.status !== 200) {
      let msg = '';
      try {
        msg = (JSON.parse(res.body) as { message?: string }).message ?? '';
      } catch {
        // not JSON
      }
      if (msg !== '') throw new MembersError(msg, res.status);
      throw new UnexpectedStatusError(res.status);
    }
    return parseJson<T>(res);
  }

  selfStats(): Promise<SelfStats> {
    return this.getJson('/v2/stats/self');
  }

  /** Only the leader answers; a follower's 403 "not current leader" is a MembersError. */
  leaderStats(): Promise<LeaderStats> {
    return this.getJson('/v2/stats/leader');
  }

  storeStats(): Promise<StoreStats> {
    return this.getJson('/v2/stats/store');
  }

  /**
   * etcd 2.0 answers `etcd 2.0.13` as text (no cluster version: etcdcluster is ''); later
   * 2.x answer JSON {etcdserver, etcdcluster}.
   */
  async version(): Promise<VersionInfo> {
    const res = await this.raw('GET', '/version', null, null);
    if (res.status !== 200) throw new UnexpectedStatusError(res.status);
    const text = /^etcd (\S+)\s*$/.exec(res.body);
    if (text !== null) return { etcdserver: text[1]!, etcdcluster: '' };
    return parseJson<VersionInfo>(res);
  }

  health(): Promise<HealthInfo> {
    return this.getJson('/health');
  }
}
