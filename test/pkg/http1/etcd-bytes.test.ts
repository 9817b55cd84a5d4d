// The fast path against node:http on a real member: each request is sent twice, once plain
// (served by src/pkg/http1) and once with a repeated harmless header (which the fast path
// leaves to node:http), and the answers must be the same bytes, but for Date, the
// Connection/Keep-Alive lines node adds, and the raft position. Each side works under its
// own directory (`@` in a path), so writes meet the same state on both.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { type OurMember, startOurs } from '../../bad-input/harness.js';

let m: OurMember;
before(async () => {
  m = await startOurs('http1-bytes');
});
after(async () => {
  await m.close();
});

/** One request on a fresh connection; everything the server wrote until it closed. */
function exchange(bytes: string): Promise<string> {
  const u = new URL(m.url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(u.port), u.hostname, () => s.write(Buffer.from(bytes, 'utf8')));
    let got = '';
    s.on('data', (d: Buffer) => {
      got += d.toString('utf8');
    });
    s.on('error', reject);
    s.on('close', () => resolve(got));
  });
}

/**
 * What may differ between two answers to the same request: times, raft positions, indexes,
 * the key's prefix and, with those, the length. A Content-Length is checked against the
 * body here, then compared as `L`, and chunk sizes as `C` (an expiration's digits vary from
 * one request to the next).
 */
function normalise(text: string): string {
  const split = text.indexOf('\r\n\r\n');
  const length = /^Content-Length: (\d+)\r$/im.exec(text.slice(0, split + 1));
  // (A HEAD answer has the length and no body.)
  if (length !== null && split + 4 < text.length) {
    assert.equal(Number(length[1]), Buffer.byteLength(text.slice(split + 4)), `framing of ${text}`);
  }
  return (
    text
      .replace(/^Content-Length: \d+\r\n/im, 'Content-Length: L\r\n')
      // A chunk's size line (not the last, empty chunk's), for the same reason.
      .replace(/^[0-9a-f]+\r\n/gm, (line) => (line === '0\r\n' ? line : 'C\r\n'))
      .replace(/^(Date|Keep-Alive|X-Raft-Index|X-Raft-Term|X-Etcd-Index): [^\r]*\r\n/gim, '')
      .replace(/^Connection: keep-alive\r\n/gim, '')
      .replace(/"(modifiedIndex|createdIndex)":\d+/g, '"$1":N')
      .replace(/\/(fast|node)(?=[/"?&]|$)/gm, '/@')
      .replace(/\/@\/queue\/\d+/g, '/@/queue/N')
      .replace(/"expiration":"[^"]*","ttl":\d+/g, '"expiration":E,"ttl":T')
  );
}

function request(method: string, path: string, body = '', headers = ''): string {
  const length =
    body === '' && method !== 'PUT' && method !== 'POST'
      ? ''
      : `Content-Length: ${Buffer.byteLength(body)}\r\n`;
  return `${method} ${path} HTTP/1.1\r\nHost: x\r\n${headers}${length}Connection: close\r\n\r\n${body}`;
}

const FORM = 'Content-Type: application/x-www-form-urlencoded\r\n';
const big = 'v'.repeat(3000);

const cases: [string, string, string?, string?][] = [
  ['PUT', '/v2/keys/@/k?value=1'],
  ['GET', '/v2/keys/@/k'],
  ['HEAD', '/v2/keys/@/k'],
  ['GET', '/v2/keys/@/missing'],
  ['HEAD', '/v2/keys/@/missing'],
  ['PUT', '/v2/keys/@/k', 'value=two&prevExist=true', FORM],
  ['PUT', '/v2/keys/@/k', 'value=3&prevValue=nope', FORM],
  ['PUT', '/v2/keys/@/big', `value=${big}`, FORM],
  ['GET', '/v2/keys/@/big'],
  ['HEAD', '/v2/keys/@/big'],
  ['PUT', '/v2/keys/@/ttl', 'value=t&ttl=100', FORM],
  ['PUT', '/v2/keys/@/ttl', 'value=t&ttl=abc', FORM],
  ['POST', '/v2/keys/@/queue', 'value=é', FORM],
  ['GET', '/v2/keys/@?recursive=true&sorted=true'],
  ['GET', '/v2/keys/@//k'],
  ['HEAD', '/v2/keys/@//k'],
  ['PATCH', '/v2/keys/@/k'],
  ['DELETE', '/v2/keys/@/k'],
  ['DELETE', '/v2/keys/@/k'],
  ['GET', '/v2/keys/@/k?wait=true&waitIndex=1'],
  ['GET', '/v2/keys/%zz'],
  ['OPTIONS', '/v2/keys/@/k'],
  ['GET', '/version'],
  ['GET', '/health'],
  ['GET', '/v2/machines'],
  ['GET', '/v2/members'],
  ['POST', '/v2/members', '{"peerURLs":[]}', 'Content-Type: text/plain\r\n'],
  ['GET', '/nowhere'],
];

/** The first answer on a kept-alive connection, then the connection is dropped. */
function firstAnswer(bytes: string): Promise<string> {
  const u = new URL(m.url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(u.port), u.hostname, () => s.write(bytes));
    let got = '';
    s.on('data', (d: Buffer) => {
      got += d.toString('utf8');
      if (got.includes('\r\n\r\n')) {
        s.destroy();
        resolve(got);
      }
    });
    s.on('error', reject);
  });
}

test('the two paths are told apart: node:http adds Keep-Alive, the fast path does not', async () => {
  const plain = 'GET /version HTTP/1.1\r\nHost: x\r\n';
  assert.doesNotMatch(await firstAnswer(`${plain}\r\n`), /Keep-Alive:/);
  assert.match(await firstAnswer(`${plain}X-Twice: 1\r\nX-Twice: 2\r\n\r\n`), /Keep-Alive:/);
});

test('the fast path writes what node:http writes, request by request', async () => {
  for (const [method, path, body, headers] of cases) {
    const fast = normalise(
      await exchange(request(method, path.replace('@', 'fast'), body, headers)),
    );
    const viaNode = normalise(
      await exchange(
        request(
          method,
          path.replace('@', 'node'),
          body,
          `${headers ?? ''}X-Twice: 1\r\nX-Twice: 2\r\n`,
        ),
      ),
    );
    assert.ok(fast.startsWith('HTTP/1.1 '), `${method} ${path}: ${fast}`);
    assert.equal(fast, viaNode, `${method} ${path}`);
  }
});
