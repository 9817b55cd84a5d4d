import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { goJsonSyntaxError } from '../../src/pkg/go-json-error.js';
import { type ReferenceMember, referenceSkip, startReference } from '../helpers/reference.js';

// Malformed bodies, each hitting a different rule of Go's scanner.
const BODIES = [
  '{bad',
  '',
  '{',
  '{"peerURLs"',
  '{"peerURLs" 1}',
  '{"peerURLs":}',
  '{"peerURLs":[1 2]}',
  '{"a":1 "b":2}',
  '[1,]',
  'tru',
  'trux',
  'nul',
  '-',
  '-x',
  '1.',
  '1.x',
  '1e',
  '1ex',
  '"abc',
  '"a\\qb"',
  '"a\\u12g4"',
  '"a\nb"',
  '{} x',
  "{'a':1}",
  '@',
  '  ',
];

it('valid documents give no error', () => {
  for (const ok of ['{}', '[]', '{"a":[1,-2.5e+3,true,false,null,"x\\n\\u00e9"]}', ' 1 ', '"s"']) {
    assert.equal(goJsonSyntaxError(ok), null, ok);
  }
});

describe('Go JSON syntax errors, as the reference answers them', { skip: referenceSkip() }, () => {
  let ref: ReferenceMember;
  before(async () => {
    ref = await startReference();
  });
  after(() => ref?.stop());

  it('POST /v2/members with malformed JSON: same message', async () => {
    for (const body of BODIES) {
      const r = await fetch(`${ref.clientUrl}/v2/members`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      const got = (await r.json()) as { message: string };
      assert.equal(r.status, 400, body);
      assert.equal(goJsonSyntaxError(body), got.message, `body ${JSON.stringify(body)}`);
    }
  });
});
