// Bad input to /v2/keys, one test per case: ours answers as Go etcd 2.0.13 does (asked in
// the same test: status, error code, message and cause, or the node written), and the
// keys acknowledged before are intact afterwards. Index numbers are left out of the
// comparison here: numbering has its own differential suites.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ReferenceMember, referenceSkip, startReference } from '../helpers/reference.js';
import {
  httpRequest,
  type OurMember,
  type RawAnswer,
  raw,
  startOurs,
  writesWithinASecond,
} from './harness.js';

interface Case {
  name: string;
  method: string;
  path: string;
  body?: string;
  /** 2.0.13's status (checked on the binary too). */
  status: number;
  /** Ours differs from 2.0.13 on purpose or by a known gap: our expected answer, and why. */
  ours?: { status: number; body: RegExp; why: string };
}

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const LONG = 'k'.repeat(100 * 1024);

const CASES: Case[] = [
  { name: 'ttl negative', method: 'PUT', path: '/v2/keys/t?ttl=-1', body: 'value=x', status: 400 },
  {
    name: 'ttl not a number',
    method: 'PUT',
    path: '/v2/keys/t?ttl=abc',
    body: 'value=x',
    status: 400,
  },
  {
    name: 'ttl with exponent',
    method: 'PUT',
    path: '/v2/keys/t?ttl=1e3',
    body: 'value=x',
    status: 400,
  },
  {
    name: 'ttl hexadecimal',
    method: 'PUT',
    path: '/v2/keys/t?ttl=0x10',
    body: 'value=x',
    status: 400,
  },
  {
    name: 'ttl with plus sign',
    method: 'PUT',
    path: '/v2/keys/t?ttl=+5',
    body: 'value=x',
    status: 400,
  },
  { name: 'ttl a space', method: 'PUT', path: '/v2/keys/t?ttl=%20', body: 'value=x', status: 400 },
  {
    name: 'ttl in the body, negative',
    method: 'PUT',
    path: '/v2/keys/t',
    body: 'value=x&ttl=-5',
    status: 400,
  },
  {
    name: 'ttl overflowing uint64',
    method: 'PUT',
    path: '/v2/keys/t?ttl=99999999999999999999',
    body: 'value=x',
    status: 400,
  },
  {
    name: 'ttl the largest uint64 (accepted, as 2.0.13)',
    method: 'PUT',
    path: '/v2/keys/big?ttl=18446744073709551615',
    body: 'value=x',
    status: 201,
  },
  {
    name: 'prevIndex negative',
    method: 'PUT',
    path: '/v2/keys/t?prevIndex=-1',
    body: 'value=x',
    status: 400,
  },
  {
    name: 'prevIndex not a number',
    method: 'PUT',
    path: '/v2/keys/t?prevIndex=abc',
    body: 'value=x',
    status: 400,
  },
  {
    name: 'prevIndex overflowing uint64',
    method: 'PUT',
    path: '/v2/keys/t?prevIndex=99999999999999999999',
    body: 'value=x',
    status: 400,
  },
  {
    name: 'prevIndex beyond 2^53 on a missing key',
    method: 'PUT',
    path: '/v2/keys/missing?prevIndex=18446744073709551615',
    body: 'value=x',
    status: 404,
  },
  {
    name: 'prevIndex negative on DELETE',
    method: 'DELETE',
    path: '/v2/keys/t?prevIndex=-1',
    status: 400,
  },
  {
    name: 'waitIndex negative',
    method: 'GET',
    path: '/v2/keys/t?wait=true&waitIndex=-1',
    status: 400,
  },
  {
    name: 'waitIndex not a number',
    method: 'GET',
    path: '/v2/keys/t?wait=true&waitIndex=abc',
    status: 400,
  },
  {
    name: 'waitIndex overflowing uint64',
    method: 'GET',
    path: '/v2/keys/t?wait=true&waitIndex=99999999999999999999',
    status: 400,
  },
  { name: 'waitIndex without wait', method: 'GET', path: '/v2/keys/t?waitIndex=abc', status: 400 },
  {
    name: 'prevExist not a boolean',
    method: 'PUT',
    path: '/v2/keys/t?prevExist=maybe',
    body: 'value=x',
    status: 400,
  },
  {
    name: 'dir not a boolean',
    method: 'PUT',
    path: '/v2/keys/t?dir=maybe',
    body: 'value=x',
    status: 400,
  },
  {
    name: 'NUL in a key (stored, as 2.0.13)',
    method: 'PUT',
    path: '/v2/keys/n%00ul',
    body: 'value=x',
    status: 201,
  },
  { name: 'NUL in a key, read back', method: 'GET', path: '/v2/keys/n%00ul', status: 200 },
  {
    name: 'invalid percent-encoding in the path',
    method: 'PUT',
    path: '/v2/keys/pc%zz',
    body: 'value=x',
    status: 400,
  },
  {
    name: 'cut percent-encoding in the path',
    method: 'PUT',
    path: '/v2/keys/pc%2',
    body: 'value=x',
    status: 400,
  },
  {
    name: 'invalid percent-encoding in the query',
    method: 'PUT',
    path: '/v2/keys/pc?value=%zz',
    status: 400,
  },
  {
    name: 'invalid percent-encoding in the body',
    method: 'PUT',
    path: '/v2/keys/pc',
    body: 'value=%zz',
    status: 400,
  },
  {
    name: 'invalid UTF-8 in a key',
    method: 'PUT',
    path: '/v2/keys/u%ff%fe',
    body: 'value=x',
    status: 201,
  },
  {
    name: 'a space in the request line',
    method: 'PUT',
    path: '/v2/keys/sp ace',
    body: 'value=x',
    status: 400,
  },
  { name: 'dot-dot segment', method: 'PUT', path: '/v2/keys/a/../b', body: 'value=x', status: 301 },
  { name: 'dot segment', method: 'PUT', path: '/v2/keys/a/./c', body: 'value=x', status: 301 },
  {
    name: 'escaped dot-dot segment',
    method: 'PUT',
    path: '/v2/keys/%2e%2e/d',
    body: 'value=x',
    status: 301,
  },
  {
    name: 'dot-dot out of the keyspace',
    method: 'PUT',
    path: '/v2/keys/../../etc',
    body: 'value=x',
    status: 301,
  },
  { name: 'dot-dot on GET', method: 'GET', path: '/v2/keys/..', status: 301 },
  {
    name: 'double slashes',
    method: 'PUT',
    path: '/v2/keys//dbl//slash',
    body: 'value=x',
    status: 301,
  },
  {
    name: '100 KB key path, written',
    method: 'PUT',
    path: `/v2/keys/${LONG}`,
    body: 'value=x',
    status: 201,
  },
  { name: '100 KB key path, read', method: 'GET', path: `/v2/keys/${LONG}`, status: 200 },
  { name: '100 KB key path, deleted', method: 'DELETE', path: `/v2/keys/${LONG}`, status: 200 },
];

/** The answer without what numbering changes: status, Location, and the JSON body minus indexes. */
function comparable(a: RawAnswer): unknown {
  const location = /^Location: (.*)$/im.exec(a.text)?.[1] ?? null;
  let body: unknown = a.body.replace(/^[0-9a-f]+\r\n|\r\n0\r\n\r\n$/g, '').trim();
  const jsonStart = (body as string).indexOf('{');
  if (jsonStart >= 0) {
    try {
      body = JSON.parse((body as string).slice(jsonStart), (k, v) =>
        k === 'index' || k === 'modifiedIndex' || k === 'createdIndex' || k === 'expiration'
          ? undefined
          : v,
      );
    } catch {
      // not JSON: compare the text
    }
  }
  return { status: a.status, location, body };
}

const ACKED = ['/acked/a', '/acked/b', '/acked/dir/c'];

async function ackedIntact(url: string): Promise<void> {
  for (const k of ACKED) {
    const r = (await (await fetch(`${url}/v2/keys${k}?quorum=true`)).json()) as {
      node?: { value?: string };
    };
    assert.equal(r.node?.value, `v${k}`, `${k} at ${url}`);
  }
}

describe('keys API: bad input answered as etcd 2.0.13, acknowledged keys intact', {
  skip: referenceSkip(),
}, () => {
  let ours: OurMember;
  let ref: ReferenceMember;
  before(async () => {
    [ours, ref] = await Promise.all([startOurs('k'), startReference('k')]);
    for (const url of [ours.url, ref.clientUrl]) {
      for (const k of ACKED) {
        const r = await fetch(`${url}/v2/keys${k}`, {
          method: 'PUT',
          body: new URLSearchParams({ value: `v${k}` }),
        });
        await r.arrayBuffer();
        assert.equal(r.status, 201);
      }
    }
  });
  after(async () => {
    await Promise.all([ours?.close(), ref?.stop()]);
  });

  for (const c of CASES) {
    test(c.name, async () => {
      const req = httpRequest(c.method, c.path, c.body ?? '', c.body === undefined ? {} : FORM);
      const a = await raw(ours.url, req);
      const b = await raw(ref.clientUrl, req);
      assert.equal(b.status, c.status, `2.0.13 answers ${b.status}: ${b.body.slice(0, 300)}`);
      if (c.ours) {
        assert.equal(a.status, c.ours.status, c.ours.why);
        assert.match(a.body, c.ours.body, c.ours.why);
      } else {
        assert.deepEqual(comparable(a), comparable(b));
      }
      await ackedIntact(ours.url);
      await ackedIntact(ref.clientUrl);
    });
  }

  test('afterwards: both still take a write within a second', async () => {
    await writesWithinASecond(ours.url);
    await writesWithinASecond(ref.clientUrl);
  });
});
