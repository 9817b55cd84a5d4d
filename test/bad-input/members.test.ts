// Bad input to /v2/members, one test per case: ours answers exactly as Go etcd 2.0.13 does
// (status and body, asked of the binary in the same test), and neither membership nor
// the ability to write changes. The case that started it: POST {"peerURLs":[]} used to
// add a member with no URLs, and a one-member cluster then needed two votes forever.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ReferenceMember, referenceSkip, startReference } from '../helpers/reference.js';
import {
  httpRequest,
  membersText,
  type OurMember,
  raw,
  startOurs,
  writesWithinASecond,
} from './harness.js';

interface Target {
  url: string;
  peerUrl: string;
  selfId: string;
}

interface Case {
  name: string;
  method: 'POST' | 'PUT' | 'DELETE';
  /** After /v2/members; SELF is the member's own ID. */
  path?: string;
  body?: (t: Target) => string | Buffer;
  contentType?: string;
  /** 2.0.13's status (checked on the binary too). */
  status: number;
  /** Ours differs from 2.0.13 on purpose: our own expected body, and why. */
  ours?: { status: number; body: string; why: string };
}

const J = (s: string) => () => s;
const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);

const CASES: Case[] = [
  { name: 'empty URL list', method: 'POST', body: J('{"peerURLs":[]}'), status: 400 },
  { name: 'no peerURLs field', method: 'POST', body: J('{}'), status: 400 },
  { name: 'peerURLs null', method: 'POST', body: J('{"peerURLs":null}'), status: 400 },
  { name: 'body null', method: 'POST', body: J('null'), status: 400 },
  { name: 'empty body', method: 'POST', body: J(''), status: 400 },
  {
    name: 'invalid URL: no scheme',
    method: 'POST',
    body: J('{"peerURLs":["bad url"]}'),
    status: 400,
  },
  {
    name: 'invalid URL: ftp',
    method: 'POST',
    body: J('{"peerURLs":["ftp://127.0.0.1:1"]}'),
    status: 400,
  },
  {
    name: 'invalid URL: no port',
    method: 'POST',
    body: J('{"peerURLs":["http://127.0.0.1"]}'),
    status: 400,
  },
  {
    name: 'invalid URL: path',
    method: 'POST',
    body: J('{"peerURLs":["http://127.0.0.1:1/p"]}'),
    status: 400,
  },
  { name: 'invalid URL: empty string', method: 'POST', body: J('{"peerURLs":[""]}'), status: 400 },
  { name: 'invalid URL: bad escape', method: 'POST', body: J('{"peerURLs":["%zz"]}'), status: 400 },
  {
    name: 'one good URL and one invalid',
    method: 'POST',
    body: J('{"peerURLs":["http://127.0.0.1:1","http://127.0.0.1"]}'),
    status: 400,
  },
  {
    name: 'already-used URL',
    method: 'POST',
    body: (t) => JSON.stringify({ peerURLs: [t.peerUrl] }),
    status: 409,
  },
  {
    name: 'duplicate already-used URLs',
    method: 'POST',
    body: (t) => JSON.stringify({ peerURLs: [t.peerUrl, t.peerUrl] }),
    status: 409,
  },
  {
    name: 'already-used URL with spaces around it',
    method: 'POST',
    body: (t) => JSON.stringify({ peerURLs: [` ${t.peerUrl} `] }),
    status: 409,
  },
  {
    name: 'a new URL next to an already-used one',
    method: 'POST',
    body: (t) => JSON.stringify({ peerURLs: ['http://127.0.0.1:9', t.peerUrl] }),
    status: 409,
  },
  {
    name: 'wrong type: string',
    method: 'POST',
    body: J('{"peerURLs":"http://127.0.0.1:1"}'),
    status: 400,
  },
  { name: 'wrong type: object', method: 'POST', body: J('{"peerURLs":{}}'), status: 400 },
  { name: 'wrong type: number in list', method: 'POST', body: J('{"peerURLs":[1]}'), status: 400 },
  { name: 'wrong type: bool in list', method: 'POST', body: J('{"peerURLs":[true]}'), status: 400 },
  { name: 'wrong type: null in list', method: 'POST', body: J('{"peerURLs":[null]}'), status: 400 },
  { name: 'wrong type: top-level array', method: 'POST', body: J('[]'), status: 400 },
  { name: 'wrong type: top-level string', method: 'POST', body: J('"x"'), status: 400 },
  { name: 'wrong type: top-level number', method: 'POST', body: J('7'), status: 400 },
  {
    name: 'duplicate keys: the last (empty) wins',
    method: 'POST',
    body: J('{"peerURLs":["http://127.0.0.1:1"],"peerURLs":[]}'),
    status: 400,
  },
  {
    name: 'keys differing in case: the last wins',
    method: 'POST',
    body: J('{"peerURLs":["http://127.0.0.1:1"],"PEERURLS":[]}'),
    status: 400,
  },
  { name: 'syntax: trailing comma', method: 'POST', body: J('{"peerURLs":[],}'), status: 400 },
  {
    name: 'syntax: garbage after value',
    method: 'POST',
    body: J('{"peerURLs":[]} x'),
    status: 400,
  },
  { name: 'deep nesting (20000 levels)', method: 'POST', body: J(deep(20_000)), status: 400 },
  {
    name: 'deep nesting inside the field',
    method: 'POST',
    body: J(`{"peerURLs":${deep(10_001)}}`),
    status: 400,
  },
  {
    name: 'huge body (2 MiB)',
    method: 'POST',
    body: J(`{"peerURLs":["${'a'.repeat(2 << 20)}"]}`),
    status: 400,
    ours: {
      status: 413,
      body: '{"message":"http: request body too large"}',
      why: '2.0.13 reads a members body without limit; we stop at 1 MiB',
    },
  },
  {
    name: 'invalid UTF-8 in a URL',
    method: 'POST',
    body: () => Buffer.from('{"peerURLs":["http://127.0.0.1:1\xff"]}', 'latin1'),
    status: 400,
  },
  {
    name: 'invalid UTF-8 after the document',
    method: 'POST',
    body: () => Buffer.from('{"peerURLs":[]}\xff', 'latin1'),
    status: 400,
  },
  {
    name: 'invalid UTF-8 as a key',
    method: 'POST',
    body: () => Buffer.from('{"\xfe\xff":1,"peerURLs":[]}', 'latin1'),
    status: 400,
  },
  {
    name: 'Content-Type with a charset',
    method: 'POST',
    body: J('{"peerURLs":["http://127.0.0.1:1"]}'),
    contentType: 'application/json; charset=utf-8',
    status: 415,
  },
  {
    name: 'Content-Type text/plain',
    method: 'POST',
    body: J('{"peerURLs":["http://127.0.0.1:1"]}'),
    contentType: 'text/plain',
    status: 415,
  },
  {
    name: 'PUT of a member to no URLs',
    method: 'PUT',
    path: '/SELF',
    body: J('{"peerURLs":[]}'),
    status: 400,
  },
  {
    name: 'PUT of a member to null',
    method: 'PUT',
    path: '/SELF',
    body: J('{"peerURLs":null}'),
    status: 400,
  },
  {
    name: 'PUT of a member to an invalid URL',
    method: 'PUT',
    path: '/SELF',
    body: J('{"peerURLs":["x"]}'),
    status: 400,
  },
  {
    name: 'PUT of an unknown member to no URLs',
    method: 'PUT',
    path: '/1234',
    body: J('{"peerURLs":[]}'),
    status: 400,
  },
  {
    name: 'PUT of an unknown member',
    method: 'PUT',
    path: '/1234',
    body: J('{"peerURLs":["http://127.0.0.1:5"]}'),
    status: 404,
  },
  {
    name: 'PUT of a malformed ID',
    method: 'PUT',
    path: '/zz',
    body: J('{"peerURLs":["http://127.0.0.1:5"]}'),
    status: 404,
  },
  {
    name: 'PUT without an ID',
    method: 'PUT',
    body: J('{"peerURLs":["http://127.0.0.1:5"]}'),
    status: 405,
  },
  { name: 'DELETE of an unknown ID', method: 'DELETE', path: '/1234', status: 404 },
  { name: 'DELETE of ID 0', method: 'DELETE', path: '/0', status: 404 },
  { name: 'DELETE of a malformed ID', method: 'DELETE', path: '/zz', status: 404 },
  { name: 'DELETE of a negative ID', method: 'DELETE', path: '/-1', status: 404 },
  { name: 'DELETE of an ID with 0x', method: 'DELETE', path: '/0x12', status: 404 },
  {
    name: 'DELETE of an overflowing ID',
    method: 'DELETE',
    path: '/12345678901234567',
    status: 404,
  },
  { name: 'DELETE of the largest ID', method: 'DELETE', path: '/ffffffffffffffff', status: 404 },
  { name: 'DELETE of a nested path', method: 'DELETE', path: '/1234/x', status: 404 },
  { name: 'DELETE without an ID', method: 'DELETE', status: 405 },
];

async function send(t: Target, c: Case) {
  const path = `/v2/members${(c.path ?? '').replace('SELF', t.selfId)}`;
  const body = c.body?.(t) ?? '';
  const headers: Record<string, string> = {};
  if (c.method !== 'DELETE') headers['Content-Type'] = c.contentType ?? 'application/json';
  const head = httpRequest(c.method, path, '', headers).replace(
    /Content-Length: 0\r\n/,
    `Content-Length: ${Buffer.byteLength(body)}\r\n`,
  );
  return raw(t.url, Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body)]));
}

async function target(url: string, peerUrl: string): Promise<Target> {
  const r = (await (await fetch(`${url}/v2/members`)).json()) as { members: { id: string }[] };
  return { url, peerUrl, selfId: r.members[0]!.id };
}

describe('members API: bad input answered as etcd 2.0.13, membership unchanged', {
  skip: referenceSkip(),
}, () => {
  let ours: OurMember;
  let ref: ReferenceMember;
  let o: Target;
  let r: Target;
  let oursBefore: string;
  let refBefore: string;
  before(async () => {
    [ours, ref] = await Promise.all([startOurs('m'), startReference('m')]);
    [o, r] = await Promise.all([
      target(ours.url, ours.peerUrl),
      target(ref.clientUrl, ref.peerUrl),
    ]);
    [oursBefore, refBefore] = await Promise.all([membersText(o.url), membersText(r.url)]);
  });
  after(async () => {
    await Promise.all([ours?.close(), ref?.stop()]);
  });

  for (const c of CASES) {
    test(c.name, async () => {
      const [a, b] = await Promise.all([send(o, c), send(r, c)]);
      assert.equal(b.status, c.status, `2.0.13 answers ${b.status}: ${b.body}`);
      if (c.ours) {
        assert.equal(a.status, c.ours.status, c.ours.why);
        assert.equal(a.body, c.ours.body, c.ours.why);
      } else {
        // The whole answer, status line, headers and body, as 2.0.13 writes it.
        assert.equal(a.status, b.status);
        assert.equal(a.body, b.body);
      }
      assert.equal(await membersText(o.url), oursBefore, 'our membership changed');
      assert.equal(await membersText(r.url), refBefore, "2.0.13's membership changed");
    });
  }

  test('afterwards: both still take a write within a second', async () => {
    await writesWithinASecond(o.url);
    await writesWithinASecond(r.url);
  });
});
