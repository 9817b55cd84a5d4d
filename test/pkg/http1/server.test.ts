// attachFastPath on a node:http server: the fast path answers plain requests, in order,
// with node's framing; a connection moves to node:http at its first odd request and keeps
// its order; half-closes, client hang-ups, timeouts and closeIdleConnections behave as
// node's do.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { after, before, test } from 'node:test';
import { attachFastPath } from '../../../src/pkg/http1/attach.js';
import { FastRequest } from '../../../src/pkg/http1/fast-request.js';
import { PreparedAnswer } from '../../../src/pkg/http1/fast-response.js';
import { PooledBytes } from '../../../src/pkg/pooled-bytes.js';
import type { HttpRequest, HttpResponse } from '../../../src/pkg/http1/types.js';
import { tempDir } from '../../helpers/process.js';
import { makeSelfSignedCert, opensslSkip } from '../../helpers/tls.js';

let server: Server;
let port = 0;
/** Which implementation served each request, by path. */
const servedBy: string[] = [];
const PREPARED = new PreparedAnswer(
  404,
  ['Content-Type', 'application/json', 'X-Etcd-Index', '12', 'Content-Length', '9'],
  '{"a":"b"}',
);
/** Chunked prepared answers (Go's framing of a body over 2048 bytes), by path. */
const CHUNKED = new Map(
  [
    ['/chunked-short', `{"v":"${'x'.repeat(3000)}"}\n`],
    // Over 16 KiB of UTF-8 with characters of two, three and four bytes: kept encoded.
    ['/chunked-long', `{"v":"${'é✓😀x'.repeat(2000)}"}\n`],
    // The same given as bytes.
    ['/chunked-bytes', Buffer.from(`{"v":"${'é✓😀y'.repeat(2000)}"}\n`)],
  ].map(([path, body]) => [
    path as string,
    new PreparedAnswer(
      200,
      ['Content-Type', 'application/json'],
      body!,
      Buffer.byteLength(body!),
      true,
    ),
  ]),
);
/** Bodies sent from pooled bytes (sendBytes), by path: [body, chunked]. */
const BYTES = new Map<string, [string, boolean]>([
  ['/bytes-short', ['{"v":"é✓😀"}\n', false]],
  ['/bytes-long', [`{"v":"${'é✓😀x'.repeat(20_000)}"}\n`, true]],
]);
/** Whether each sendPrepared call sent, in order. */
const preparedSent: boolean[] = [];
let watchClosed: () => void = () => {};
/** Responses to /hold wait here until a test ends them. */
const held: HttpResponse[] = [];
let heldArrived: () => void = () => {};

function handler(req: HttpRequest, res: HttpResponse): void {
  servedBy.push(`${req instanceof FastRequest ? 'fast' : 'node'} ${req.url}`);
  if (req.url === '/watch') {
    res.setHeader('Content-Type', 'application/json');
    res.writeHead(200);
    res.flushHeaders();
    res.once('close', () => watchClosed());
    return;
  }
  if (req.url === '/hold') {
    held.push(res);
    heldArrived();
    return;
  }
  if (req.url === '/stream') {
    res.writeHead(200, ['Content-Type', 'text/plain']);
    res.write('one\n');
    res.write('');
    res.end('two\n');
    return;
  }
  const asBytes = BYTES.get(req.url!.replace(/-plain$/, ''));
  if (asBytes !== undefined) {
    const [body, chunked] = asBytes;
    const headers = ['Content-Type', 'application/json'];
    if (!chunked) headers.push('Content-Length', String(Buffer.byteLength(body)));
    if (!req.url!.endsWith('-plain')) {
      const bytes = new PooledBytes(256, 16);
      bytes.put(body.slice(0, 5));
      bytes.put(body.slice(5));
      if (res.sendBytes?.(200, headers, bytes, chunked) === true) return;
      bytes.release();
    }
    res.writeHead(200, headers);
    if (chunked) res.write(body);
    res.end(chunked ? undefined : body);
    return;
  }
  const chunked = CHUNKED.get(req.url!.replace(/-plain$/, ''));
  if (chunked !== undefined) {
    if (!req.url!.endsWith('-plain') && res.sendPrepared?.(chunked) === true) return;
    res.writeHead(chunked.status, chunked.headers as string[]);
    res.write(chunked.bodyText());
    res.end();
    return;
  }
  if (req.url === '/prepared' || req.url === '/prepared-cors') {
    if (req.url === '/prepared-cors') res.setHeader('Access-Control-Allow-Origin', '*');
    const sent = res.sendPrepared?.(PREPARED) === true;
    preparedSent.push(sent);
    if (sent) return;
  }
  if (req.url?.startsWith('/prepared')) {
    res.writeHead(PREPARED.status, PREPARED.headers as string[]);
    res.end(PREPARED.bodyText());
    return;
  }
  if (req.url === '/empty') {
    res.writeHead(204);
    res.end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.once('error', (e: Error) => {
    res.setHeader('Connection', 'close');
    res.writeHead(400, { 'Content-Length': Buffer.byteLength(e.message) });
    res.end(e.message);
  });
  req.once('end', () => {
    const body = `${req.method} ${req.url} ${Buffer.concat(chunks).toString()}`;
    res.setHeader('X-Test', 'yes');
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
}

before(async () => {
  server = createServer({ keepAliveTimeout: 30_000 }, handler);
  attachFastPath(server, handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as { port: number }).port;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** A connection that collects what the server writes. */
function open(): { s: Socket; text: () => string; closed: Promise<void> } {
  const s = connect(port, '127.0.0.1');
  let got = '';
  s.on('data', (d: Buffer) => {
    got += d.toString('latin1');
  });
  const closed = new Promise<void>((r) => s.on('close', () => r()));
  s.on('error', () => {});
  return { s, text: () => got, closed };
}

/** Resolves once the collected text holds `n` complete responses' status lines. */
async function waitForText(c: { s: Socket; text: () => string }, re: RegExp): Promise<string> {
  while (!re.test(c.text())) await once(c.s, 'data');
  return c.text();
}

const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;
const put = (path: string, body: string) =>
  `PUT ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

/**
 * Opens a watch on `c` and waits until its headers are in; `heard` resolves once the
 * server's response hears 'close' (wrapped: an async function would wait for it).
 */
async function watching(c: { s: Socket; text: () => string }): Promise<{ heard: Promise<void> }> {
  const heard = new Promise<void>((r) => {
    watchClosed = r;
  });
  c.s.write(get('/watch'));
  await waitForText(c, /chunked\r\n\r\n$/);
  return { heard };
}

test('pipelined requests are answered in order, one Date, node-style framing', async () => {
  servedBy.length = 0;
  const c = open();
  c.s.write(get('/a') + put('/b', 'v=1') + get('/c', 'Connection: close\r\n'));
  await c.closed;
  const responses = c.text().split(/(?=HTTP\/1\.1 )/);
  assert.equal(responses.length, 3);
  assert.match(
    responses[0]!,
    /^HTTP\/1\.1 200 OK\r\nX-Test: yes\r\nContent-Type: text\/plain\r\nContent-Length: 7\r\nDate: [^\r]+ GMT\r\n\r\nGET \/a $/,
  );
  assert.match(responses[1]!, /\r\n\r\nPUT \/b v=1$/);
  assert.match(responses[2]!, /\r\nConnection: close\r\n\r\nGET \/c $/);
  assert.deepEqual(servedBy, ['fast /a', 'fast /b', 'fast /c']);
});

test('a megabyte of pipelined requests behind a pending answer: reading pauses, then all answered', {
  timeout: 20_000,
}, async () => {
  const c = open();
  const arrived = new Promise<void>((r) => {
    heldArrived = r;
  });
  const body = 'x'.repeat(60_000);
  // 1.5 MB queued behind the held answer: more than the connection buffers before it
  // stops reading.
  c.s.write(get('/hold') + put('/empty', body).repeat(25) + get('/last', 'Connection: close\r\n'));
  await arrived;
  // Until the server has read past its limit (1 MiB), and so paused reading.
  const serverSide = held[0]!.socket!;
  while (serverSide.bytesRead <= 1 << 20) await new Promise((r) => setImmediate(r));
  // What the server read before it paused waits in its buffer; the rest, in the kernel's,
  // comes only if reading resumes once the held answer is done.
  held.shift()!.end('held');
  await c.closed;
  const answers = c.text().split(/(?=HTTP\/1\.1 )/);
  assert.equal(answers.length, 27);
  assert.match(answers[0]!, /\r\n\r\nheld$/);
  // Small answers (204s): the server never waits for the client to read, so only the end of
  // the held answer can resume its reading.
  assert.match(answers[1]!, /^HTTP\/1\.1 204 No Content\r\n/);
  assert.match(answers.at(-1)!, /Connection: close\r\n\r\nGET \/last $/);
});

test('a prepared answer is the bytes writeHead and end write; others fall back to them', async () => {
  preparedSent.length = 0;
  const c = open();
  c.s.write(
    get('/prepared') +
      get('/prepared-plain') +
      `HEAD /prepared HTTP/1.1\r\nHost: x\r\n\r\n` +
      get('/prepared-cors') +
      get('/prepared', 'Connection: close\r\n'),
  );
  await c.closed;
  const r = c
    .text()
    .replace(/Date: [^\r]+\r\n/g, 'Date: D\r\n')
    .split(/(?=HTTP\/1\.1 )/);
  assert.equal(r.length, 5);
  const plain =
    'HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nX-Etcd-Index: 12\r\n' +
    'Content-Length: 9\r\nDate: D\r\n\r\n{"a":"b"}';
  assert.equal(r[0], plain);
  assert.equal(r[1], plain);
  assert.equal(r[2], plain.slice(0, -'{"a":"b"}'.length));
  assert.equal(
    r[3],
    plain.replace('HTTP/1.1 404 Not Found\r\n', '$&Access-Control-Allow-Origin: *\r\n'),
  );
  assert.equal(r[4], plain.replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n'));
  // Sent by the GET on a kept-alive connection only; HEAD, a header set first and a
  // closing connection declined.
  assert.deepEqual(preparedSent, [true, false, false, false]);
});

/**
 * The answers on a connection whose last request closes it, once closed: each Date made
 * "D" and the one "Connection: close" line dropped, so that answers compare as bytes.
 */
async function answers(c: { text: () => string; closed: Promise<void> }): Promise<string[]> {
  await c.closed;
  return c
    .text()
    .replace(/Date: [^\r]+\r\n/g, 'Date: D\r\n')
    .replace('Connection: close\r\n', '')
    .split(/(?=HTTP\/1\.1 )/);
}

test('a chunked prepared answer is the bytes writeHead, write and end write, in one write', async () => {
  const c = open();
  c.s.write(
    get('/chunked-short') +
      get('/chunked-short-plain') +
      get('/chunked-long') +
      get('/chunked-long-plain') +
      get('/chunked-bytes') +
      get('/chunked-bytes-plain') +
      put('/chunked-short', 'value=1') +
      put('/chunked-short-plain', 'value=1') +
      get('/chunked-short', 'Connection: close\r\n'),
  );
  const r = await answers(c);
  assert.equal(r.length, 9);
  assert.equal(r[0], r[1]);
  assert.equal(r[2], r[3]);
  assert.equal(r[4], r[5]);
  // A PUT's answer too; the closing connection's is node's writes, the same bytes.
  assert.equal(r[6], r[0]);
  assert.equal(r[7], r[0]);
  assert.equal(r[8], r[0]);
  assert.match(r[4]!, /\r\n0\r\n\r\n$/);
  const long = CHUNKED.get('/chunked-long')!.bodyText();
  const expected =
    'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: D\r\nTransfer-Encoding: chunked\r\n\r\n' +
    `${Buffer.byteLength(long).toString(16)}\r\n${long}\r\n0\r\n\r\n`;
  // The connection's text is its bytes as latin1.
  assert.equal(r[2], Buffer.from(expected).toString('latin1'));
});

test('pooled bytes go as the bytes writeHead, write and end write', async () => {
  const c = open();
  c.s.write(
    get('/bytes-short') +
      get('/bytes-short-plain') +
      get('/bytes-long') +
      get('/bytes-long-plain', 'Connection: close\r\n'),
  );
  const r = await answers(c);
  assert.equal(r.length, 4);
  assert.equal(r[0], r[1]);
  assert.equal(r[2], r[3]);
  assert.match(r[0]!, /Content-Length: 18\r\n/);
  assert.match(r[2]!, /Transfer-Encoding: chunked\r\n\r\n[0-9a-f]+\r\n\{"v"/);
});

test('a body arriving a byte at a time', async () => {
  const c = open();
  for (const ch of put('/slow', 'value=abc')) {
    c.s.write(ch);
    await new Promise((r) => setImmediate(r));
  }
  assert.match(await waitForText(c, /value=abc$/), /PUT \/slow value=abc$/);
  c.s.destroy();
});

test('chunked answers: a stream, a HEAD without body, 204 without framing', async () => {
  const c = open();
  c.s.write(get('/stream'));
  const t = await waitForText(c, /0\r\n\r\n$/);
  assert.match(t, /Transfer-Encoding: chunked\r\n\r\n4\r\none\n\r\n4\r\ntwo\n\r\n0\r\n\r\n$/);
  const h = open();
  h.s.write(`HEAD /stream HTTP/1.1\r\nHost: x\r\n\r\n${get('/empty', 'Connection: close\r\n')}`);
  await h.closed;
  assert.doesNotMatch(h.text(), /one|Transfer-Encoding|Content-Length/);
  assert.match(h.text(), /HTTP\/1\.1 204 No Content\r\nDate: [^\r]+\r\nConnection: close\r\n\r\n$/);
  c.s.destroy();
});

test('the first odd request moves the connection to node:http, order kept', async () => {
  servedBy.length = 0;
  const c = open();
  c.s.write(
    `${get('/1')}PUT /2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n${get('/3', 'Connection: close\r\n')}`,
  );
  await c.closed;
  assert.deepEqual(servedBy, ['fast /1', 'node /2', 'node /3']);
  assert.match(c.text(), /GET \/1 [\s\S]*PUT \/2 abc[\s\S]*GET \/3 $/);
});

test('bytes read after the move reach node:http: a body sent later, then another request', async () => {
  servedBy.length = 0;
  const c = open();
  c.s.write(`${get('/1')}PUT /2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n`);
  await waitForText(c, /GET \/1 $/);
  c.s.write('3\r\nabc\r\n0\r\n\r\n');
  await waitForText(c, /PUT \/2 abc$/);
  c.s.write(get('/3', 'Connection: close\r\n'));
  await c.closed;
  assert.deepEqual(servedBy, ['fast /1', 'node /2', 'node /3']);
  assert.match(c.text(), /GET \/1 [\s\S]*PUT \/2 abc[\s\S]*GET \/3 $/);
});

test('half-close after a request answered at once: answered, then closed', async () => {
  const c = open();
  c.s.end(get('/empty'));
  await c.closed;
  assert.match(c.text(), /^HTTP\/1\.1 204 No Content\r\n/);
});

test('half-close with a response pending: it hears close, as under node:http', async () => {
  const c = open();
  const { heard } = await watching(c);
  c.s.end();
  await heard;
  await c.closed;
});

test('a body cut short by the client: the handler sees an error', async () => {
  const c = open();
  c.s.end('PUT /cut HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc');
  await c.closed;
  assert.match(c.text(), /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*unexpected EOF$/);
});

test("a head cut short by the client: Go's 400", async () => {
  const c = open();
  c.s.end('GET /x HTTP/1.1\r\nHost: x\r\n');
  await c.closed;
  assert.match(c.text(), /^HTTP\/1\.1 400 Bad Request\r\n/);
});

test('a client hanging up on a pending response: the response hears close', async () => {
  const c = open();
  const { heard } = await watching(c);
  c.s.destroy();
  await heard;
});

test('closeIdleConnections closes idle fast connections, not busy ones', async () => {
  const idle = open();
  idle.s.write(get('/idle'));
  await waitForText(idle, /GET \/idle $/);
  const busy = open();
  const { heard } = await watching(busy);
  server.closeIdleConnections();
  await idle.closed;
  assert.equal(busy.s.destroyed, false);
  busy.s.destroy();
  await heard;
});

test("keep-alive and headers timeouts (the server's settings) apply", async () => {
  const was = { keepAlive: server.keepAliveTimeout, headers: server.headersTimeout };
  server.keepAliveTimeout = 100;
  server.headersTimeout = 100;
  try {
    const idle = open();
    idle.s.write(get('/k'));
    await idle.closed;
    assert.match(idle.text(), /GET \/k $/);
    const partial = open();
    partial.s.write('GET /p HTTP/1.1\r\nHost: x\r\n');
    await partial.closed;
    assert.match(partial.text(), /^HTTP\/1\.1 408 Request Timeout\r\n/);
  } finally {
    server.keepAliveTimeout = was.keepAlive;
    server.headersTimeout = was.headers;
  }
});

test('over TLS too: the fast path serves, then hands a connection to node:https', {
  skip: opensslSkip(),
}, async () => {
  const dir = tempDir('http1-tls');
  try {
    const { cert, key } = makeSelfSignedCert(dir.path);
    const seen: string[] = [];
    const echo = (req: HttpRequest, res: HttpResponse) => {
      seen.push(`${req instanceof FastRequest ? 'fast' : 'node'} ${req.url}`);
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString();
      });
      req.on('end', () => res.end(`${req.url} ${body}`));
    };
    const tlsServer = createHttpsServer({ cert: readFileSync(cert), key: readFileSync(key) }, echo);
    attachFastPath(tlsServer as unknown as Server, echo);
    tlsServer.listen(0, '127.0.0.1');
    await once(tlsServer, 'listening');
    const s = tlsConnect({
      port: (tlsServer.address() as { port: number }).port,
      host: '127.0.0.1',
      rejectUnauthorized: false,
    });
    await once(s, 'secureConnect');
    let got = '';
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
    });
    s.write(get('/a'));
    while (!got.includes('/a ')) await once(s, 'data');
    s.write(
      `PUT /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n${get('/c', 'Connection: close\r\n')}`,
    );
    await once(s, 'close');
    assert.deepEqual(seen, ['fast /a', 'node /b', 'node /c']);
    assert.match(got, /\/a [\s\S]*\/b abc[\s\S]*\/c $/);
    tlsServer.close();
  } finally {
    dir.remove();
  }
});
