// A small HTTP/1.1 load generator over raw keep-alive sockets: each connection sends one
// pre-encoded request, reads the response (headers and Content-Length body), and sends
// the next. Much cheaper per request than node:http's client, but still a Node process on
// the servers' cores: bench/load.ts prefers wrk (C, epoll) when it is installed and uses
// this one as the fallback, and for runs wrk cannot express (a fixed count of keys).
import { connect, type Socket } from 'node:net';

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  perSecond: number;
  /** Latency percentiles in ms. */
  p50: number;
  p99: number;
  /** Mean latency in ms, where the load generator reports it (wrk). */
  mean?: number;
}

/** Builds the bytes of one request; `i` numbers requests per connection (keys, values). */
export type RequestBuilder = (conn: number, i: number) => Buffer;

const CRLFCRLF = Buffer.from('\r\n\r\n');

export function getRequest(host: string, path: string): Buffer {
  return Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
}

export function formRequest(method: string, host: string, path: string, body: string): Buffer {
  return Buffer.from(
    `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

class Conn {
  private buf: Buffer = Buffer.alloc(0);
  private sentAt = 0;
  private i = 0;
  done = 0;
  errors = 0;
  private stopped = false;
  private readonly sock: Socket;
  private finish: (() => void) | null = null;

  constructor(
    private readonly id: number,
    port: number,
    host: string,
    private readonly build: RequestBuilder,
    private readonly until: () => boolean,
    private readonly latencies: number[],
    private readonly limit: number,
  ) {
    this.sock = connect({ port, host, noDelay: true });
    this.sock.on('connect', () => this.send());
    this.sock.on('data', (d: Buffer) => this.onData(d));
    this.sock.on('error', () => {
      this.errors++;
      this.stop();
    });
    this.sock.on('close', () => this.stop());
  }

  wait(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((r) => {
      this.finish = r;
    });
  }

  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.sock.destroy();
    this.finish?.();
  }

  private send(): void {
    if (this.until() || (this.limit > 0 && this.i >= this.limit)) {
      this.stop();
      return;
    }
    this.sentAt = performance.now();
    this.sock.write(this.build(this.id, this.i++));
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    for (;;) {
      const end = this.buf.indexOf(CRLFCRLF);
      if (end < 0) return;
      const head = this.buf.toString('latin1', 0, end);
      const m = /\r\ncontent-length: *(\d+)/i.exec(head);
      const len = m ? Number(m[1]) : 0;
      const total = end + 4 + len;
      if (this.buf.length < total) return;
      const status = Number(head.slice(9, 12));
      if (status >= 400) this.errors++;
      this.buf = this.buf.subarray(total);
      this.done++;
      if (this.latencies.length < 200_000) this.latencies.push(performance.now() - this.sentAt);
      this.send();
    }
  }
}

/**
 * Runs `connections` connections for `seconds` (or until each made `perConn` requests when
 * perConn > 0) and reports the throughput.
 */
export async function runLoad(opts: {
  url: string;
  connections: number;
  seconds: number;
  build: RequestBuilder;
  perConn?: number;
  /** Ends the run early once it returns true (checked before each request). */
  stop?: () => boolean;
}): Promise<LoadResult> {
  const u = new URL(opts.url);
  const port = Number(u.port);
  const t0 = performance.now();
  const deadline = t0 + opts.seconds * 1000;
  const stop = opts.stop ?? (() => false);
  const until = opts.perConn ? stop : () => stop() || performance.now() >= deadline;
  const latencies: number[] = [];
  const conns: Conn[] = [];
  for (let c = 0; c < opts.connections; c++) {
    conns.push(new Conn(c, port, u.hostname, opts.build, until, latencies, opts.perConn ?? 0));
  }
  await Promise.all(conns.map((c) => c.wait()));
  const seconds = (performance.now() - t0) / 1000;
  const requests = conns.reduce((a, c) => a + c.done, 0);
  const errors = conns.reduce((a, c) => a + c.errors, 0);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return {
    requests,
    errors,
    seconds,
    perSecond: requests / seconds,
    p50: pct(0.5),
    p99: pct(0.99),
  };
}
