// What the HTTP keys API needs from a member (or from a test shim).
import type { StoreEvent } from '../store/event.js';
import type { V2Request } from '../store/request.js';
import type { StoreWatcher } from '../store/watcher.js';

export interface KeysBackend {
  /** GET reads locally (quorum=true: linearizably); everything else goes through consensus. Throws EtcdError. */
  do(r: V2Request): Promise<StoreEvent>;
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
