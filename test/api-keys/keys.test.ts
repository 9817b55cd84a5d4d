import assert from 'node:assert/strict';
import http from 'node:http';
import type { Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { muxCleanPath, parseUint10 as parseGoUint } from '../../src/api/keys-form.js';
import { goUnescape, parseQueryInto } from '../../src/pkg/go-query.js';
import { ttlToExpiration } from '../../src/api/keys-request.js';
import { parseGoBool } from '../../src/pkg/go-strconv.js';
import { type Shim, startShim } from './shim.js';

let shim: Shim;
before(async () => {
  shim = await startShim();
});
after(async () => {
  await shim.close();
});

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function call(
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<Res> {
  const u = new URL(shim.url);
  return new Promise((resolve, reject) => {
    const r = http.request({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    r.on('error', reject);
    r.end(body);
  });
}

describe('keys over HTTP', () => {
  test('headers on success and on error', async () => {
    const ok = await call('PUT', '/v2/keys/h/a?value=1');
    assert.equal(ok.status, 201);
    assert.equal(ok.headers['content-type'], 'application/json');
    assert.equal(ok.headers['x-etcd-cluster-id'], 'cdf818194e3a8c32');
    assert.equal(ok.headers['x-etcd-index'], String(shim.backend.store.index));
    assert.ok(ok.headers['x-raft-index'] && ok.headers['x-raft-term']);
    assert.ok(ok.body.endsWith('}\n'));
    const bad = await call('GET', '/v2/keys/h/nope');
    assert.equal(bad.status, 404);
    assert.equal(bad.headers['x-raft-index'], undefined);
    assert.equal(bad.headers['x-etcd-index'], String(shim.backend.store.index));
    const val = await call('PUT', '/v2/keys/h/a?ttl=x');
    assert.equal(val.status, 400);
    assert.equal(val.headers['x-etcd-index'], '0');
    assert.deepEqual(JSON.parse(val.body), {
      errorCode: 202,
      message: 'The given TTL in POST form is not a number',
      cause: 'invalid value for "ttl"',
      index: 0,
    });
  });

  test('HEAD has headers and length but no body', async () => {
    await call('PUT', '/v2/keys/h/head?value=abc');
    const r = await call('HEAD', '/v2/keys/h/head');
    assert.equal(r.status, 200);
    assert.equal(r.body, '');
    assert.ok(Number(r.headers['content-length']) > 20);
  });

  test('405 with Allow, no cluster header', async () => {
    const r = await call('PATCH', '/v2/keys/h/a');
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, 'HEAD,GET,PUT,POST,DELETE');
    assert.equal(r.body, 'Method Not Allowed\n');
    assert.equal(r.headers['x-etcd-cluster-id'], undefined);
  });

  test('form body wins over the query string; other content types are ignored', async () => {
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    const r = await call('PUT', '/v2/keys/h/f?value=query', 'value=body', form);
    assert.equal(JSON.parse(r.body).node.value, 'body');
    const t = await call('PUT', '/v2/keys/h/g?value=query', 'value=body', {
      'Content-Type': 'text/plain',
    });
    assert.equal(JSON.parse(t.body).node.value, 'query');
  });

  test('a form body over 10 MiB is refused as the reference does', async () => {
    const big = Buffer.alloc((10 << 20) + 10, 'a');
    const r = await call('PUT', '/v2/keys/h/big', big, {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    assert.equal(r.status, 400);
    assert.equal(JSON.parse(r.body).cause, 'http: POST too large');
    assert.equal(shim.backend.store.find('/h/big'), null);
  });

  test('noValueOnSuccess drops the nodes', async () => {
    const r = await call('PUT', '/v2/keys/h/nv?value=1&noValueOnSuccess=true');
    assert.equal(r.body, '{"action":"set"}\n');
  });

  test('unclean paths are redirected as Go does', async () => {
    const r = await call('GET', '/v2/keys//h/../h/a?x=1');
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, '/v2/keys/h/a?x=1');
  });

  test('long poll: headers at once, event later, then the end', async () => {
    const u = new URL(shim.url);
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const r = http.get(
        { host: u.hostname, port: u.port, path: '/v2/keys/h/lp?wait=true' },
        resolve,
      );
      r.on('error', reject);
    });
    // Headers arrived while no event exists yet: the watcher is registered.
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['x-etcd-index'], String(shim.backend.store.index));
    assert.equal(shim.backend.store.watcherCount(), 1);
    const body = new Promise<string>((resolve) => {
      let b = '';
      res.on('data', (c: Buffer) => {
        b += c;
      });
      res.on('end', () => resolve(b));
    });
    await call('PUT', '/v2/keys/h/lp?value=x');
    const ev = JSON.parse(await body);
    assert.equal(ev.action, 'set');
    assert.equal(ev.node.value, 'x');
  });

  test('a client that goes away frees its watcher', async () => {
    const u = new URL(shim.url);
    const socketClosed = new Promise<void>((resolve) => {
      shim.server.once('connection', (s: Socket) => s.once('close', () => setImmediate(resolve)));
    });
    const req = http.get({
      host: u.hostname,
      port: u.port,
      path: '/v2/keys/h/gone?wait=true',
      agent: false,
    });
    await new Promise<void>((resolve) => req.once('response', () => resolve()));
    assert.equal(shim.backend.store.watcherCount(), 1);
    req.destroy();
    await socketClosed;
    assert.equal(shim.backend.store.watcherCount(), 0);
  });

  test('stream watch delivers every event', async () => {
    const u = new URL(shim.url);
    const res = await new Promise<http.IncomingMessage>((resolve) => {
      http.get(
        {
          host: u.hostname,
          port: u.port,
          path: '/v2/keys/h/st?wait=true&stream=true&recursive=true',
          agent: false,
        },
        resolve,
      );
    });
    const lines: string[] = [];
    const three = new Promise<void>((resolve) => {
      let buf = '';
      res.on('data', (c: Buffer) => {
        buf += c;
        const parts = buf.split('\n');
        buf = parts.pop()!;
        lines.push(...parts);
        if (lines.length >= 3) resolve();
      });
    });
    await call('PUT', '/v2/keys/h/st/a?value=1');
    await call('PUT', '/v2/keys/h/st/b?value=2');
    await call('DELETE', '/v2/keys/h/st/a');
    await three;
    assert.deepEqual(
      lines.map((l) => JSON.parse(l).action),
      ['set', 'set', 'delete'],
    );
    res.destroy();
  });

  test('401 for a cleared index carries the store index', async () => {
    for (let i = 0; i < 1001; i++)
      shim.backend.store.set('/h/many', false, 'x', { expireTime: 0, refresh: false }, Date.now());
    const r = await call('GET', '/v2/keys/h/many?wait=true&waitIndex=1');
    assert.equal(r.status, 400);
    assert.equal(JSON.parse(r.body).errorCode, 401);
    assert.equal(r.headers['x-etcd-index'], String(shim.backend.store.index));
  });

  test('a backend failure that is not an EtcdError is a 300', async () => {
    const orig = shim.backend.do;
    shim.backend.do = async () => {
      throw new Error('etcdserver: request timed out');
    };
    try {
      const r = await call('PUT', '/v2/keys/h/t?value=1');
      assert.equal(r.status, 500);
      assert.deepEqual(JSON.parse(r.body), {
        errorCode: 300,
        message: 'Raft Internal Error',
        cause: 'etcdserver: request timed out',
        index: 0,
      });
    } finally {
      shim.backend.do = orig;
    }
  });
});

describe('form parsing as Go', () => {
  test('query strings', () => {
    const f = new Map<string, string[]>();
    parseQueryInto(f, 'a=1&a=2&b=x+y%2Bz&c&&d=');
    assert.deepEqual(
      [...f],
      [
        ['a', ['1', '2']],
        ['b', ['x y+z']],
        ['c', ['']],
        ['d', ['']],
      ],
    );
    assert.throws(
      () => parseQueryInto(new Map(), 'a=1;b=2'),
      /invalid semicolon separator in query/,
    );
    assert.throws(() => parseQueryInto(new Map(), 'a=%zz'), /invalid URL escape "%zz"/);
    assert.equal(goUnescape('a+b%20c', false), 'a+b c');
  });

  test('booleans, integers, paths, TTL arithmetic', () => {
    assert.equal(parseGoBool('T'), true);
    assert.equal(parseGoBool('yes'), null);
    assert.equal(parseGoUint('18446744073709551615'), 18446744073709551615n);
    assert.equal(parseGoUint('18446744073709551616'), null);
    assert.equal(parseGoUint('+1'), null);
    assert.equal(muxCleanPath('/v2/keys/a/../b/'), '/v2/keys/b/');
    assert.equal(ttlToExpiration(5n, 1000), 6000);
    // uint64 max is -1 as a Go Duration: one second ago.
    assert.equal(ttlToExpiration(18446744073709551615n, 1_700_000_000_000), 1_699_999_999_000);
    // Overflows int64 nanoseconds: lands before 2000, which the store treats as permanent.
    assert.ok(ttlToExpiration(9999999999n, 1_700_000_000_000) < 946684800000);
  });
});
