// Transports on loopback for the peer tests: each with its own HTTP(S) listener, a record
// of what it received and reported, and event-driven waits (no polling).
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { LogLevel, Logger } from '../../src/pkg/logger.js';
import type { PeerLimits } from '../../src/peer/host.js';
import { Transport } from '../../src/peer/transport.js';
import {
  type Entry,
  EntryType,
  type Message,
  MessageType,
  newMessage,
} from '../../src/raft/types.js';

export interface ServerTls {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  requestCert?: boolean;
  rejectUnauthorized?: boolean;
}

export interface NodeOptions {
  clusterId?: string;
  port?: number;
  serverTls?: ServerTls;
  clientTls?: ConnectionOptions;
  limits?: Partial<PeerLimits>;
  /** The transport's clock (performance.now() when absent). */
  now?(): number;
  /** Return false to stop recording (for benchmarks). */
  record?: boolean;
  onMessage?(m: Message): void;
  membersJSON?(): string;
}

export class TestNode {
  readonly received: Message[] = [];
  readonly unreachable: string[] = [];
  readonly refused: string[] = [];
  readonly snapshots: Array<[string, boolean]> = [];
  readonly logs: string[] = [];
  readonly streams = new Map<string, boolean>();
  removed = 0;
  transport!: Transport;
  server!: http.Server;
  url = '';
  private waiters: Array<() => void> = [];

  constructor(
    readonly id: string,
    readonly opts: NodeOptions = {},
  ) {}

  async start(): Promise<this> {
    const logger = new Logger((line) => {
      this.logs.push(line);
    }, LogLevel.Debug);
    const record = this.opts.record !== false;
    this.transport = new Transport({
      id: this.id,
      clusterId: this.opts.clusterId ?? 'c1',
      tls: this.opts.clientTls,
      logger,
      limits: this.opts.limits,
      ...(this.opts.now ? { now: this.opts.now } : {}),
      onMessage: (m) => {
        if (record) this.received.push(m);
        this.opts.onMessage?.(m);
        this.notify();
      },
      onUnreachable: (id) => {
        this.unreachable.push(id);
        this.notify();
      },
      onPeerRefused: (id) => {
        this.refused.push(id);
        this.notify();
      },
      onSnapshotStatus: (id, ok) => {
        this.snapshots.push([id, ok]);
        this.notify();
      },
      onRemoved: () => {
        this.removed++;
        this.notify();
      },
      onStreamStatus: (id, dir, up) => {
        this.streams.set(`${id}/${dir}`, up);
        this.notify();
      },
      onPeerKind: () => this.notify(),
      membersJSON: this.opts.membersJSON,
      versionJSON: () => '{"etcdserver":"2.0.13","etcdcluster":"2.0.0"}',
    });
    const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (!this.transport.handler(req, res)) {
        res.statusCode = 404;
        res.end('404 page not found\n');
      }
    };
    const t = this.opts.serverTls;
    this.server = t
      ? https.createServer({ ...t, minVersion: 'TLSv1.2' }, handle)
      : http.createServer(handle);
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port ?? 0, '127.0.0.1', () => resolve());
    });
    const port = (this.server.address() as AddressInfo).port;
    this.opts.port = port;
    this.url = `${t ? 'https' : 'http'}://127.0.0.1:${port}`;
    return this;
  }

  /** Resolves once `check` holds, re-checked on every transport event. */
  until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`${this.id}: timed out waiting for ${what}`));
      }, timeoutMs);
      const waiter = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve();
      };
      this.waiters.push(waiter);
    });
  }

  /** Both directions of the stream with `peer` are up. */
  connected(peer: string): boolean {
    return (
      this.streams.get(`${peer}/writer`) === true && this.streams.get(`${peer}/reader`) === true
    );
  }

  /** Both directions of the stream with `peer` are down. */
  disconnected(peer: string): boolean {
    return (
      this.streams.get(`${peer}/writer`) === false && this.streams.get(`${peer}/reader`) === false
    );
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  async stop(): Promise<void> {
    this.transport.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** One started node per id, each a peer of the others; typed as a tuple of `ids`' length. */
export async function startNodes<const T extends readonly string[]>(
  ids: T,
  opts: NodeOptions = {},
): Promise<{ -readonly [K in keyof T]: TestNode }> {
  const nodes = await Promise.all(ids.map((id) => new TestNode(id, { ...opts }).start()));
  for (const a of nodes) for (const b of nodes) if (a !== b) a.transport.addPeer(b.id, [b.url]);
  return nodes as { -readonly [K in keyof T]: TestNode };
}

export async function allConnected(nodes: TestNode[]): Promise<void> {
  await Promise.all(
    nodes.map((a) =>
      a.until(() => nodes.every((b) => b === a || a.connected(b.id)), 'streams to every peer'),
    ),
  );
}

export async function stopAll(nodes: TestNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.stop()));
}

const payload = new TextEncoder();

/** A MsgApp carrying `n` entries of `size` bytes, numbered from `index + 1`. */
export function app(from: string, to: string, index: number, n = 1, size = 16): Message {
  const m = newMessage(MessageType.App, to, from, 1);
  m.index = index;
  m.logTerm = 1;
  m.commit = index;
  const entries: Entry[] = [];
  for (let i = 1; i <= n; i++) {
    const data = new Uint8Array(size);
    data.set(payload.encode(`${index + i}`).subarray(0, size));
    entries.push({ term: 1, index: index + i, type: EntryType.Normal, data });
  }
  m.entries = entries;
  return m;
}

export function heartbeat(from: string, to: string, commit = 0): Message {
  const m = newMessage(MessageType.Heartbeat, to, from, 1);
  m.commit = commit;
  return m;
}
