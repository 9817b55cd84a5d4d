// GET /members on the peer URL: served as etcd serves it (numeric 64-bit IDs, sorted by
// ID, name and client URLs omitted until published, trailing newline), and parsed in both
// that form and the older hex-string form.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePeerMembers } from '../../src/discovery/peer-members.js';
import { peerMembersJSON } from '../../src/server/membership.js';
import { http, spawnEtcd } from './run-member.js';

// Captured from Debian's etcd 3.4 (a one-member cluster's peer /members).
const REFERENCE_BODY =
  '[{"id":13668033151171901709,"peerURLs":["http://127.0.0.1:23801"],"name":"r1","clientURLs":["http://127.0.0.1:23791"]}]\n';

test('peer /members: the same bytes as etcd, numeric IDs sorted, unpublished fields omitted', () => {
  const body = peerMembersJSON([
    { id: '2', name: '', peerURLs: ['http://b:2380'], clientURLs: [] },
    {
      id: 'bdae9bbc11dd390d',
      name: 'r1',
      peerURLs: ['http://127.0.0.1:23801'],
      clientURLs: ['http://127.0.0.1:23791'],
    },
  ]);
  assert.equal(body, `[{"id":2,"peerURLs":["http://b:2380"]},${REFERENCE_BODY.slice(1)}`);
  assert.equal(peerMembersJSON([]), '[]\n');
});

test('peer /members parser: numeric IDs keep all 64 bits; hex strings still accepted', () => {
  const [m] = parsePeerMembers(REFERENCE_BODY);
  assert.equal(m!.id, 'bdae9bbc11dd390d');
  assert.equal(m!.name, 'r1');
  assert.deepEqual(m!.clientURLs, ['http://127.0.0.1:23791']);
  const [h] = parsePeerMembers(
    '[{"id":"bdae9bbc11dd390d","peerURLs":["http://a:1"],"name":"x\\"id\\":5"}]',
  );
  assert.equal(h!.id, 'bdae9bbc11dd390d');
  assert.equal(h!.name, 'x"id":5');
  assert.deepEqual(h!.clientURLs, []);
});

test('a running member serves its peer /members in that form', async () => {
  const etcd = await spawnEtcd();
  try {
    const r = await http('GET', `${etcd.peerUrl}/members`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    const [m] = parsePeerMembers(r.body);
    const id = BigInt(`0x${m!.id}`).toString();
    assert.equal(
      r.body,
      `[{"id":${id},"peerURLs":["${etcd.peerUrl}"],"name":"srv","clientURLs":["${etcd.url}"]}]\n`,
    );
  } finally {
    await etcd.destroy();
  }
});
