// A minimal member for tests: a KeysBackend that applies requests straight to a Store with
// Date.now(), a fake cluster ID, and a 500 ms SYNC timer for TTL expiry, served over HTTP.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KeysBackend } from '../../src/api/backend.js';
import { handleKeys } from '../../src/api/keys.js';
import type { StoreEvent } from '../../src/store/event.js';
import { applyRequest, newRequest, type V2Request } from '../../src/store/request.js';
import { Store } from '../../src/store/store.js';
import type { StoreWatcher } from '../../src/store/watcher.js';

export class StoreBackend implements KeysBackend {
  readonly store = new Store();
  private raft = 1;

  async do(r: V2Request): Promise<StoreEvent> {
    if (r.method !== 'GET') this.raft++;
    return applyRequest(this.store, r, Date.now());
  }

  watch(path: string, recursive: boolean, stream: boolean, since: number): StoreWatcher {
    return this.store.watch(path, recursive, stream, since);
  }

  /** What the leader's 500 ms tick would propose. */
  sync(): void {
    this.raft++;
    const r = newRequest('SYNC', '/');
    r.time = Date.now();
    applyRequest(this.store, r, r.time);
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
