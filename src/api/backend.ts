// What the HTTP keys API needs from a member (or from a test shim).
import type { StoreEvent } from '../store/event.js';
import type { V2Request } from '../store/request.js';
import type { StoreWatcher } from '../store/watcher.js';

export interface KeysBackend {
  /**
   * A plain GET reads locally and answers at once (throwing its EtcdError); quorum=true GETs
   * and everything else go through consensus and settle later.
   */
  do(r: V2Request): StoreEvent | Promise<StoreEvent>;
  /**
   * A GET answered from the API's cache (get-answers.ts): counted as the read it replaces,
   * a failed one (an error's answer) as a failed read.
   */
  noteCachedGet(failed: boolean): void;
  /** Registers a watcher; throws EtcdError (401) when `since` is older than the history. */
  watch(path: string, recursive: boolean, stream: boolean, since: number): StoreWatcher;
  storeIndex(): number;
  raftIndex(): number;
  raftTerm(): number;
  /** Lowercase hex, as X-Etcd-Cluster-Id shows it. */
  clusterId(): string;
  /** The member's clock in ms (TTLs become absolute expirations with it). */
  now(): number;
}
