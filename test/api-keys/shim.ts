// A minimal member for tests: a KeysBackend that applies requests straight to a Store with
// Date.now(), a fake cluster ID, and a 500 ms SYNC timer for TTL expiry, served over HTTP.
// The store starts as a fresh etcd 2.0 member's does: /0 and /1, the member added and its
// attributes published (store index 2).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KeysBackend } from '../../src/api/backend.js';
import { handleKeys } from '../../src/api/keys.js';
import type { StoreEvent } from '../../src/store/event.js';
import { applyRequest, newRequest, type V2Request } from '../../src/store/request.js';
import {
  attributesJSON,
  memberAttributesPath,
  STORE_NAMESPACES,
  storeAddMember,
  validateConfChange,
} from '../../src/server/membership-store.js';
import { Store } from '../../src/store/store.js';
import type { StoreWatcher } from '../../src/store/watcher.js';

const MEMBER_ID = '8e9e05c52164694d';

export class StoreBackend implements KeysBackend {
  readonly store = new Store(undefined, undefined, STORE_NAMESPACES);
  private raft = 3;

  constructor(clientUrl = 'http://localhost:2379') {
    const now = Date.now();
    const m = { id: MEMBER_ID, name: 'shim', peerURLs: ['http://localhost:2380'], clientURLs: [] };
    validateConfChange(this.store, 'add', MEMBER_ID, m, now);
    storeAddMember(this.store, m, now);
    const pub = newRequest('PUT', memberAttributesPath(MEMBER_ID));
    pub.val = attributesJSON('shim', [clientUrl]);
    applyRequest(this.store, pub, now);
  }

  async do(r: V2Request): Promise<StoreEvent> {
    if (r.method !== 'GET') this.raft++;
    return applyRequest(this.store, r, Date.now());
  }

  noteCachedGet(failed: boolean): void {
    if (failed) this.store.stats.getsFail++;
    else this.store.stats.getsSuccess++;
  }

  watch(path: string, recursive: boolean, stream: boolean, since: number): StoreWatcher {
    return this.store.watch(path, recursive, stream, since);
  }

  /** What the leader's 500 ms tick would propose. */
  sync(): void {
    this.raft++;
    const r = newRequest('SYNC', '');
    const now = Date.now();
    r.time = BigInt(now) * 1_000_000n;
    applyRequest(this.store, r, now);
  }

  storeIndex(): number {
    return this.store.index;
  }
  raftIndex(): number {
    return this.raft;
  }
  raftTerm(): number {
    return 2;
  }
  clusterId(): string {
    return 'cdf818194e3a8c32';
  }
  now(): number {
    return Date.now();
  }
}

export interface Shim {
  url: string;
  backend: StoreBackend;
  server: Server;
  close(): Promise<void>;
}

export async function startShim(): Promise<Shim> {
  const backend = new StoreBackend();
  const server = createServer((req, res) => {
    const u = req.url ?? '';
    if (u === '/v2/keys' || u.startsWith('/v2/keys/') || u.startsWith('/v2/keys?')) {
      void handleKeys(req, res, backend);
      return;
    }
    if (u === '/v2/stats/store') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(backend.store.statsJSON()));
      return;
    }
    res.writeHead(404).end('404 page not found\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const timer = setInterval(() => backend.sync(), 500);
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    backend,
    server,
    async close() {
      clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
