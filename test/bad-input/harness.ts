// Bad-input tests: one in-process member of ours and (for the differential cases) one Go
// etcd 2.0.13, raw requests to both, and the checks that nothing changed.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { type Etcd, startEtcd } from '../../src/index.js';
import { silenceLogs } from '../../src/pkg/logger.js';
import { reservePorts } from '../helpers/ports.js';
import { tempDir } from '../helpers/process.js';

export interface OurMember {
  etcd: Etcd;
  url: string;
  peerUrl: string;
  close(): Promise<void>;
}

/** A one-member cluster in this process, serving and with a leader. */
export async function startOurs(name = 'bad'): Promise<OurMember> {
  silenceLogs();
  const dir = tempDir('etcd-bad-input');
  const [c, p] = await reservePorts(2);
  const url = `http://127.0.0.1:${c}`;
  const peerUrl = `http://127.0.0.1:${p}`;
  const etcd = await startEtcd({
    name,
    dataDir: join(dir.path, 'data'),
    listenClientUrls: [url],
    advertiseClientUrls: [url],
    listenPeerUrls: [peerUrl],
    initialAdvertisePeerUrls: [peerUrl],
    heartbeatInterval: 50,
    electionTimeout: 500,
  });
  // Wait for a leader: a write answered.
  const r = await fetch(`${url}/v2/keys/_ready`, {
    method: 'PUT',
    body: new URLSearchParams({ value: '1' }),
  });
  await r.arrayBuffer();
  assert.equal(r.status, 201);
  return {
    etcd,
    url,
    peerUrl,
    async close() {
      await etcd.close();
      rmSync(dir.path, { recursive: true, force: true });
    },
  };
}

export interface RawAnswer {
  /** Everything the server wrote before closing, Date and raft/index headers removed. */
  text: string;
  status: number;
  body: string;
  /** The socket ended with an error (ECONNRESET, ...). */
  error: string | null;
}

/**
 * Sends bytes (a string: one byte per character) on a fresh connection and collects the answer until the server closes it
 * (requests carry `Connection: close`), or `timeoutMs`. `halfClose` ends our side after
 * sending, as `nc -q0` would.
 */
export function raw(
  url: string,
  bytes: string | Buffer,
  o: { halfClose?: boolean; timeoutMs?: number } = {},
): Promise<RawAnswer> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = connect(Number(u.port), u.hostname);
    const chunks: Buffer[] = [];
    let error: string | null = null;
    const data = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
    s.on('connect', () => (o.halfClose ? s.end(data) : s.write(data)));
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
    });
    const timer = setTimeout(() => {
      error = 'timeout';
      s.destroy();
    }, o.timeoutMs ?? 10_000);
    s.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks).toString('latin1');
      const text = all
        .replace(/^Date: [^\r]*\r\n/m, '')
        .replace(/^(X-Etcd-Index|X-Raft-Index|X-Raft-Term|X-Etcd-Cluster-Id): [^\r]*\r\n/gim, '');
      const sep = all.indexOf('\r\n\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(all)?.[1] ?? 0);
      resolve({ text, status, body: sep < 0 ? '' : all.slice(sep + 4), error });
    });
  });
}

/**
 * A request with `Connection: close` and a Content-Length for the body. Strings here are
 * bytes, one character each (latin1), as raw() sends them.
 */
export function httpRequest(
  method: string,
  path: string,
  body = '',
  headers: Record<string, string> = {},
): string {
  const h = Object.entries({ Host: 'x', ...headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return `${method} ${path} HTTP/1.1\r\n${h}Content-Length: ${Buffer.byteLength(body, 'latin1')}\r\nConnection: close\r\n\r\n${body}`;
}

/** The member list as JSON text, with the member IDs of both implementations alike. */
export async function membersText(url: string): Promise<string> {
  const r = await fetch(`${url}/v2/members`);
  return await r.text();
}

/** The cluster still takes a write within a second, and serves it back. */
export async function writesWithinASecond(url: string, key = '/_alive'): Promise<void> {
  const value = String(Math.floor(performance.now()));
  const r = await fetch(`${url}/v2/keys${key}`, {
    method: 'PUT',
    body: new URLSearchParams({ value }),
    signal: AbortSignal.timeout(1000),
  });
  await r.arrayBuffer();
  assert.ok(r.status === 200 || r.status === 201, `write answered ${r.status}`);
  const g = (await (await fetch(`${url}/v2/keys${key}?quorum=true`)).json()) as {
    node?: { value?: string };
  };
  assert.equal(g.node?.value, value);
}
