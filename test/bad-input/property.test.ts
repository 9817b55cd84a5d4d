// Generated bad requests thrown at a running member (in process): after each batch it is
// alive, its membership is unchanged, every acknowledged key is intact and a write is
// served within a second. Seeded: BAD_INPUT_SEED=<n> replays a run, BAD_INPUT_RUNS=<n>
// sets how many batches (default 60); a failure prints its seed and the shrunk batch.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import {
  httpRequest,
  membersText,
  type OurMember,
  raw,
  startOurs,
  writesWithinASecond,
} from './harness.js';

const ACKED = new Map([
  ['/acked/a', 'alpha'],
  ['/acked/dir/b', 'beta'],
  ['/acked/ttl', 'long-lived'],
]);

const NUMBERS = [
  '-1',
  '0',
  '1',
  'abc',
  '1e3',
  '0x10',
  '+5',
  '18446744073709551615',
  '99999999999999999999',
  '',
  ' ',
  '%zz',
  '%00',
  'true',
  'maybe',
];
const PARAMS = [
  'ttl',
  'prevIndex',
  'waitIndex',
  'prevExist',
  'prevValue',
  'dir',
  'recursive',
  'sorted',
  'quorum',
  'value',
  'stream',
  'wait',
];
// Never a true `wait`: a well-formed watch legitimately waits.
const TRUTHY = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);

const segment = fc.oneof(
  fc.constantFrom(
    'a',
    '..',
    '.',
    '%00',
    '%zz',
    '%2e%2e',
    '%ff%fe',
    '',
    '%2F',
    '%',
    'x%2',
    '~',
    '_h',
  ),
  fc.stringMatching(/^[a-z0-9_%.-]{1,8}$/),
  fc.constant('k'.repeat(3000)),
);
const value = fc.oneof(
  fc.constantFrom(...NUMBERS),
  fc.integer().map(String),
  fc.string({ maxLength: 12 }),
);
const query = fc
  .array(fc.tuple(fc.constantFrom(...PARAMS), value), { maxLength: 5 })
  .map((ps) => ps.filter(([k, v]) => !(k === 'wait' && TRUTHY.has(v))))
  .map((ps) => ps.map(([k, v]) => `${k}=${v}`).join('&'));

const KNOWN_BAD_URLS = [
  '',
  'x',
  'bad url',
  'ftp://127.0.0.1:1',
  'http://127.0.0.1',
  'http://127.0.0.1:1/p',
  '%zz',
  'http://[::1',
];

/**
 * Peer URL lists that are never a valid new member (a valid one would really be added):
 * empty, or holding a known-bad URL, our own peer URL (409), or something not even URL-like.
 */
const badPeerList = (selfPeer: string) =>
  fc
    .array(
      fc.oneof(
        fc.constantFrom(...KNOWN_BAD_URLS, selfPeer, ` ${selfPeer} `),
        fc.string({ maxLength: 10 }),
      ),
      {
        maxLength: 4,
      },
    )
    .filter(
      (l) =>
        l.length === 0 ||
        l.some((u) => KNOWN_BAD_URLS.includes(u) || u.trim() === selfPeer || !u.includes('://')),
    );

const membersBody = (selfPeer: string) =>
  fc.oneof(
    badPeerList(selfPeer).map((l) => JSON.stringify({ peerURLs: l })),
    badPeerList(selfPeer).map((l) => `{"peerURLs":${JSON.stringify(l)},"peerURLs":[]}`),
    fc.constantFrom(
      '',
      'null',
      '[]',
      '{}',
      '{"peerURLs":1}',
      '{"peerURLs":[1]}',
      '{"peerURLs":{}}',
      '{',
      '{"peerURLs":[],}',
      `${'['.repeat(12_000)}`,
      '"\u0000"',
    ),
    fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('latin1')),
  );

interface BadRequest {
  method: string;
  path: string;
  body: string;
  contentType: string | null;
  framing: 'ok' | 'short-body' | 'no-host' | 'garbage-first' | 'bad-chunks' | 'tls-hello';
}

function badRequest(selfId: string, selfPeer: string): fc.Arbitrary<BadRequest> {
  const id = fc.stringMatching(/^[0-9a-f]{1,16}$/).filter((x) => x !== selfId);
  const keys = fc.record({
    method: fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS'),
    path: fc
      .tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), query)
      .map(([segs, q]) => `/v2/keys/fuzz/${segs.join('/')}${q ? `?${q}` : ''}`),
    body: fc.oneof(query, fc.string({ maxLength: 40 })),
    contentType: fc.constantFrom(
      'application/x-www-form-urlencoded',
      'application/json',
      'text/plain',
      null,
    ),
  });
  const members = fc.record({
    method: fc.constantFrom('POST', 'PUT', 'DELETE', 'GET', 'PATCH'),
    path: fc.oneof(
      fc.constant('/v2/members'),
      id.map((x) => `/v2/members/${x}`),
      fc.constantFrom(
        '/v2/members/zz',
        '/v2/members/-1',
        '/v2/members/0x1',
        '/v2/members/leader',
        '/v2/members/%zz',
        '/v2/members/1/2',
      ),
    ),
    body: membersBody(selfPeer),
    contentType: fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      null,
    ),
  });
  const other = fc.record({
    method: fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'HEAD'),
    path: fc.constantFrom(
      '/v2/stats/self',
      '/v2/stats/store',
      '/v2/stats/leader',
      '/version',
      '/health',
      '/metrics',
      '/v2/machines',
      '/nope',
      '/v2/keys',
      '*',
      '//',
      '/v2/keys/fuzz/../../acked',
      '/v2/keys/%2e%2e/acked',
    ),
    body: fc.string({ maxLength: 20 }),
    contentType: fc.constantFrom('application/x-www-form-urlencoded', null),
  });
  return fc
    .tuple(
      fc.oneof(keys, members, other),
      fc.constantFrom<BadRequest['framing']>(
        'ok',
        'ok',
        'ok',
        'short-body',
        'no-host',
        'garbage-first',
        'bad-chunks',
        'tls-hello',
      ),
    )
    .map(([r, framing]) => ({ ...r, framing }));
}

function bytesOf(r: BadRequest): { bytes: Buffer; halfClose: boolean } {
  const headers: Record<string, string> = {};
  if (r.contentType !== null) headers['Content-Type'] = r.contentType;
  const req = httpRequest(r.method, r.path, r.body, headers);
  const b = (s: string) => Buffer.from(s, 'latin1'); // one byte per character, as httpRequest counts
  switch (r.framing) {
    case 'ok':
      return { bytes: b(req), halfClose: false };
    case 'short-body':
      return {
        bytes: b(req.replace(/Content-Length: \d+/, 'Content-Length: 1000')),
        halfClose: true,
      };
    case 'no-host':
      return { bytes: b(req.replace('Host: x\r\n', '')), halfClose: false };
    case 'garbage-first':
      return { bytes: b(`\u0001\u00ff garbage\r\n${req}`), halfClose: false };
    case 'bad-chunks':
      return {
        bytes: b(
          `${req.split('\r\n\r\n')[0]!.replace(/Content-Length: \d+\r\n/, '')}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n${r.body}\r\n0\r\n\r\n`,
        ),
        halfClose: true,
      };
    case 'tls-hello':
      return { bytes: Buffer.from('16030100a5010000a10303', 'hex'), halfClose: true };
  }
}

let ours: OurMember;
let membership: string;

before(async () => {
  ours = await startOurs('prop');
  for (const [k, v] of ACKED) {
    const r = await fetch(`${ours.url}/v2/keys${k}`, {
      method: 'PUT',
      body: new URLSearchParams({ value: v, ...(k === '/acked/ttl' ? { ttl: '100000' } : {}) }),
    });
    await r.arrayBuffer();
    assert.equal(r.status, 201);
  }
  membership = await membersText(ours.url);
});
after(async () => {
  await ours?.close();
});

test('generated bad requests change nothing acknowledged and never stop the member', async (t) => {
  const seed = Number(process.env.BAD_INPUT_SEED ?? Date.now() % 2 ** 31);
  const numRuns = Number(process.env.BAD_INPUT_RUNS ?? 60);
  t.diagnostic(`seed ${seed} (BAD_INPUT_SEED=${seed} replays it)`);
  const me = (JSON.parse(membership).members as { id: string; peerURLs: string[] }[])[0];
  assert.ok(me, `no member in ${membership}`);
  const selfId = me.id;
  const self = me.peerURLs[0] as string;
  const statuses = new Map<number, number>();
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(badRequest(selfId!, self), { minLength: 1, maxLength: 6 }),
        async (batch) => {
          for (const r of batch) {
            const { bytes, halfClose } = bytesOf(r);
            const a = await raw(ours.url, bytes, { halfClose, timeoutMs: 5000 });
            statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
            assert.notEqual(
              a.error,
              'timeout',
              `no answer and no close within 5 s to ${r.method} ${r.path.slice(0, 80)}`,
            );
          }
          assert.equal(await membersText(ours.url), membership, 'membership changed');
          for (const [k, v] of ACKED) {
            const g = (await (await fetch(`${ours.url}/v2/keys${k}?quorum=true`)).json()) as {
              node?: { value?: string };
            };
            assert.equal(g.node?.value, v, `${k} lost`);
          }
          await writesWithinASecond(ours.url);
        },
      ),
      { seed, numRuns, includeErrorInReport: true },
    );
  } catch (e) {
    throw new Error(
      `bad-input property failed with BAD_INPUT_SEED=${seed}\n${(e as Error).message}`,
    );
  }
  const seen = [...statuses].sort((a, b) => a[0] - b[0]);
  t.diagnostic(`answers by status: ${seen.map(([s, n]) => `${s}x${n}`).join(' ')}`);
  // The generator reaches the handlers' validation, not only the HTTP parser's refusals.
  assert.ok(seen.filter(([s]) => s !== 400).length >= 3, 'the generated requests hardly vary');
});
