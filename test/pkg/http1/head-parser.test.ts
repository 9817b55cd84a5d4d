// The fast path's head parser: the plain requests it takes, the ones it leaves to node:http,
// and (property) that no input makes it throw or claim more than it was given.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  MAX_FAST_HEAD,
  parseRequestHead,
  parseRequestHeadOnce,
  type RequestHead,
  UNSUPPORTED,
} from '../../../src/pkg/http1/head-parser.js';

const b = (s: string) => Buffer.from(s, 'latin1');

function parsed(s: string): RequestHead {
  const h = parseRequestHead(b(s));
  assert.ok(h !== null && h !== UNSUPPORTED, `not parsed: ${JSON.stringify(s)}`);
  return h;
}

test('a plain GET: method, target, lower-cased headers, head length', () => {
  const s = 'GET /v2/keys/a?recursive=true HTTP/1.1\r\nHost: x\r\nUser-Agent:  go 1.4 \r\n\r\n';
  const h = parsed(`${s}GET /next`);
  assert.equal(h.method, 'GET');
  assert.equal(h.url, '/v2/keys/a?recursive=true');
  assert.deepEqual({ ...h.headers }, { host: 'x', 'user-agent': 'go 1.4' });
  assert.equal(h.length, s.length);
  assert.equal(h.contentLength, 0);
  assert.equal(h.close, false);
});

test('a PUT with a body length and Connection: close', () => {
  const h = parsed(
    'PUT /v2/keys/a HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\nConnection: Close\r\n\r\nvalue=1',
  );
  assert.equal(h.contentLength, 7);
  assert.equal(h.close, true);
  assert.equal(parsed('GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n').close, false);
});

test('incomplete heads wait for more bytes', () => {
  assert.equal(parseRequestHead(b('GET / HTTP/1.1\r\nHost: x\r\n')), null);
  assert.equal(parseRequestHead(b('GET / HTT')), null);
  assert.equal(parseRequestHead(b('')), null);
  assert.equal(parseRequestHead(b('PU')), null);
  assert.equal(parseRequestHead(b('GET / HTTP/1.1\r')), null);
});

test('an incomplete head that cannot become a plain request is left to node at once', () => {
  assert.equal(parseRequestHead(b('\x16\x03\x01\x02\x00\x01')), UNSUPPORTED);
  assert.equal(parseRequestHead(b('HELLO')), UNSUPPORTED);
  assert.equal(parseRequestHead(b('PATCH /')), UNSUPPORTED);
  assert.equal(parseRequestHead(b('GET /\xff')), UNSUPPORTED);
});

test('everything but the plain form is left to node:http', () => {
  const cases = [
    'GET / HTTP/1.0\r\nHost: x\r\n\r\n',
    'GET / HTTP/1.1\r\n\r\n', // no Host
    'GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n',
    'PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n',
    'PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
    'PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
    'PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n',
    'PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 1234567890\r\n\r\n',
    'PATCH / HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET  / HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET / HTTP/1.1 \r\nHost: x\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n',
    'GET / HTTP/1.1\r\nHost x\r\n\r\n',
    'GET / HTTP/1.1\r\nBad Name: 1\r\nHost: x\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n',
    'GET /\xe9 HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: \x01\r\n\r\n',
    '\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n',
    'HELLO\r\n\r\n',
    `GET / HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(MAX_FAST_HEAD)}\r\n\r\n`,
  ];
  for (const c of cases) assert.equal(parseRequestHead(b(c)), UNSUPPORTED, JSON.stringify(c));
  // A head that has not ended within the limit is not awaited further here.
  assert.equal(
    parseRequestHead(b(`GET / HTTP/1.1\r\nX: ${'a'.repeat(MAX_FAST_HEAD)}`)),
    UNSUPPORTED,
  );
});

test('property: any bytes parse without throwing, and a parsed head is sound', () => {
  const piece = fc.constantFrom(
    'GET',
    'PUT',
    ' ',
    '/',
    'HTTP/1.1',
    '\r\n',
    '\r',
    '\n',
    ':',
    'Host',
    'Content-Length',
    '5',
    'x',
    '\t',
    '\x00',
    '\xff',
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
      const buf = b(parts.join(''));
      const h = parseRequestHead(buf);
      if (h === null || h === UNSUPPORTED) return;
      assert.ok(h.length <= buf.length);
      assert.equal(buf.toString('latin1', h.length - 4, h.length), '\r\n\r\n');
      assert.ok(h.headers.host !== undefined);
      assert.ok(h.url.startsWith('/'));
    }),
    { numRuns: 2000 },
  );
});

test('property: generated well-formed requests parse to exactly their parts', () => {
  const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/);
  const value = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,30}[\x21-\x7e])?$/);
  fc.assert(
    fc.property(
      fc.constantFrom('GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS'),
      fc.stringMatching(/^\/[\x21-\x7e]{0,40}$/),
      fc.uniqueArray(fc.tuple(token, value), { selector: (t) => t[0].toLowerCase(), maxLength: 8 }),
      (method, url, fields) => {
        const extra = fields.filter(
          ([n]) =>
            ![
              'host',
              'content-length',
              'transfer-encoding',
              'expect',
              'upgrade',
              'connection',
            ].includes(n.toLowerCase()),
        );
        const head = `${method} ${url} HTTP/1.1\r\nHost: h\r\n${extra.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
        const h = parsed(head);
        assert.equal(h.method, method);
        assert.equal(h.url, url);
        assert.equal(h.length, head.length);
        for (const [n, v] of extra) assert.equal(h.headers[n.toLowerCase()], v);
      },
    ),
    { numRuns: 500 },
  );
});

test("a header named, lower-cased, as one of Object.prototype's properties goes to node", () => {
  const head = (name: string) =>
    parseRequestHead(b(`GET / HTTP/1.1\r\nHost: x\r\n${name}: 1\r\n\r\n`));
  assert.equal(head('Constructor'), UNSUPPORTED);
  assert.equal(head('__proto__'), UNSUPPORTED);
  // Lower-cased, toString is no property of Object.prototype: an ordinary header.
  assert.deepEqual(
    { ...parsed('GET / HTTP/1.1\r\nHost: x\r\nToString: 1\r\n\r\n').headers },
    {
      host: 'x',
      tostring: '1',
    },
  );
});

test('a head the same as the last bodiless one is not parsed again; any other is', () => {
  const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
  const once = (s: string) => parseRequestHeadOnce(b(s)) as RequestHead;
  const first = once(get('/v2/keys/a'));
  // Same bytes in another buffer, alone or with the next request behind them: the same head.
  assert.equal(once(get('/v2/keys/a')), first);
  assert.equal(once(`${get('/v2/keys/a')}GET /next`), first);
  assert.ok(Object.isFrozen(first) && Object.isFrozen(first.headers));
  // As long, other bytes: parsed.
  const other = once(get('/v2/keys/b'));
  assert.notEqual(other, first);
  assert.equal(other.url, '/v2/keys/b');
  // Shorter than the last head (part of it): still incomplete.
  assert.equal(parseRequestHeadOnce(b(get('/v2/keys/b').slice(0, -2))), null);
  // A head with a body is parsed each time and does not replace the last bodiless one.
  const put = 'PUT /v2/keys/b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nv=1';
  const p1 = once(put);
  assert.notEqual(once(put), p1);
  assert.equal(p1.contentLength, 3);
  assert.equal(once(get('/v2/keys/b')), other);
  // What the plain parser leaves to node, this one does too.
  assert.equal(parseRequestHeadOnce(b('GET /a HTTP/1.0\r\nHost: x\r\n\r\n')), UNSUPPORTED);
});
