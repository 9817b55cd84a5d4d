// The reverse proxy and its director against plain local HTTP servers: failover past a
// refused endpoint, benching for benchMs and back into rotation, etcd's 502/503 bodies,
// hop-by-hop headers, and a client that leaves tearing down the upstream request.
import assert from 'node:assert/strict';
import {
  createServer,
  get,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { Logger } from '../../src/pkg/logger.js';
import { Director } from '../../src/proxy/director.js';
import { stripHopHeaders } from '../../src/proxy/hop-headers.js';
import { createReverseProxy } from '../../src/proxy/reverse.js';

type H = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(h: H): Promise<{ server: Server; url: string }> {
  const server = createServer(h);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
}

async function withProxy(
  urls: string[],
  benchMs: number,
  fn: (url: string, lines: string[], d: Director) => Promise<void>,
): Promise<void> {
  const lines: string[] = [];
  const logger = new Logger((l) => lines.push(l));
  const d = new Director({ urls: async () => urls, logger, refreshMs: 60_000, benchMs });
  await d.start();
  const rp = createReverseProxy({ director: d, logger });
  const front = await serve(rp.handler);
  try {
    await fn(front.url, lines, d);
  } finally {
    d.stop();
    rp.close();
    await close(front.server);
  }
}

const DEAD = 'http://127.0.0.1:1';

test('a refused endpoint is benched, the request answered by the next, and it comes back', async () => {
  const up = await serve((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(`${req.method} ${req.url} ${req.headers['x-forwarded-for']}`);
  });
  try {
    await withProxy([DEAD, up.url], 150, async (url, lines) => {
      for (let i = 0; i < 4; i++) {
        const r = await fetch(`${url}/v2/keys/a?x=${i}`, { method: 'PUT', body: 'value=1' });
        assert.equal(r.status, 200);
        assert.equal(await r.text(), `PUT /v2/keys/a?x=${i} 127.0.0.1`);
      }
      const benched = lines.filter((l) => l.includes(`marked endpoint ${DEAD} unavailable`));
      assert.equal(benched.length, 1, lines.join(''));
      await new Promise<void>((resolve) => {
        const t = setInterval(() => {
          if (lines.some((l) => l.includes(`marked endpoint ${DEAD} available`))) {
            clearInterval(t);
            resolve();
          }
        }, 20);
      });
      // Back in rotation: the next requests try it again (and bench it again).
      for (let i = 0; i < 2; i++) assert.equal((await fetch(`${url}/`)).status, 200);
      assert.equal(
        lines.filter((l) => l.includes(`marked endpoint ${DEAD} unavailable`)).length,
        2,
      );
    });
  } finally {
    await close(up.server);
  }
});

test("every endpoint failing gives etcd's 502, none available etcd's 503", async () => {
  await withProxy([DEAD], 60_000, async (url) => {
    const r = await fetch(`${url}/v2/keys/`);
    assert.equal(r.status, 502);
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.equal(
      await r.text(),
      '{"message":"httpproxy: unable to get response from 1 endpoint(s)"}',
    );
    const r2 = await fetch(`${url}/v2/keys/`);
    assert.equal(r2.status, 503);
    assert.equal(await r2.text(), '{"message":"httpproxy: zero endpoints currently available"}');
  });
});

test('hop-by-hop headers are dropped both ways, others kept with their case', async () => {
  let seen: string[] = [];
  const up = await serve((req, res) => {
    seen = req.rawHeaders;
    res.writeHead(200, [
      'X-Etcd-Index',
      '7',
      'Connection',
      'X-Drop',
      'X-Drop',
      'no',
      'Keep-Alive',
      'timeout=1',
      'Content-Length',
      '2',
    ] as unknown as Record<string, string>);
    res.end('ok');
  });
  try {
    await withProxy([up.url], 60_000, async (url) => {
      // fetch() refuses Connection headers; node:http sends them as given.
      const r = await new Promise<IncomingMessage>((resolve, reject) => {
        get(
          `${url}/x`,
          {
            headers: {
              'X-Keep': 'yes',
              Connection: 'keep-alive, X-Gone',
              'X-Gone': '1',
              Te: 'trailers',
            },
          },
          resolve,
        ).on('error', reject);
      });
      let body = '';
      for await (const c of r) body += String(c);
      assert.equal(body, 'ok');
      assert.equal(r.headers['x-etcd-index'], '7');
      assert.equal(r.headers['x-drop'], undefined);
      assert.ok(r.rawHeaders.includes('X-Etcd-Index'));
      const names = seen.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
      assert.ok(names.includes('x-keep'));
      assert.ok(!names.includes('x-gone'));
      assert.ok(!names.includes('te'));
    });
  } finally {
    await close(up.server);
  }
  assert.deepEqual(stripHopHeaders(['Upgrade', 'h2c', 'A', '1']), ['A', '1']);
});

test('a client that leaves closes the upstream request', async () => {
  let upstreamClosed: () => void = () => {};
  const closed = new Promise<void>((r) => (upstreamClosed = r));
  const up = await serve((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    req.socket.on('close', () => upstreamClosed());
  });
  try {
    await withProxy([up.url], 60_000, async (url) => {
      const ac = new AbortController();
      const r = await fetch(`${url}/v2/keys/w?wait=true`, { signal: ac.signal });
      assert.equal(r.status, 200);
      ac.abort();
      await closed;
    });
  } finally {
    await close(up.server);
  }
});
