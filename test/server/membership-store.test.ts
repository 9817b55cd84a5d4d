import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  attributesJSON,
  attributesTarget,
  memberAttributesPath,
  memberContextJSON,
  membersFromStore,
  parseMemberContext,
  raftAttributesJSON,
  STORE_NAMESPACES,
  storeAddMember,
  storeRemoveMember,
  storeUpdateRaftAttributes,
  validateConfChange,
} from '../../src/server/membership-store.js';
import { applyRequest, newRequest } from '../../src/store/request.js';
import { Store } from '../../src/store/store.js';

const NOW = 1_700_000_000_000;
const m1 = {
  id: 'd59ef700c4ef4aff',
  name: 'n1',
  peerURLs: ['http://127.0.0.1:19801'],
  clientURLs: [],
};

test('Go JSON of the member forms (decimal 64-bit id, omitempty, HTML-safe)', () => {
  assert.equal(
    memberContextJSON(m1),
    '{"id":15393012159075011327,"peerURLs":["http://127.0.0.1:19801"],"name":"n1"}',
  );
  assert.equal(
    memberContextJSON({ id: 'd67ecb9c41bda12f', name: '', peerURLs: ['http://a'], clientURLs: [] }),
    '{"id":15456014843160404271,"peerURLs":["http://a"]}',
  );
  assert.equal(
    raftAttributesJSON(['http://a?x=1&y=<2>']),
    '{"peerURLs":["http://a?x=1\\u0026y=\\u003c2\\u003e"]}',
  );
  assert.equal(raftAttributesJSON(null), '{"peerURLs":null}');
  assert.equal(attributesJSON('n1', ['http://c']), '{"name":"n1","clientURLs":["http://c"]}');
  assert.equal(attributesJSON('', []), '{}');
});

test('a member context parses without losing 64-bit precision; junk is refused', () => {
  const m = parseMemberContext(Buffer.from(memberContextJSON(m1)));
  assert.deepEqual(m, m1);
  assert.equal(
    parseMemberContext(Buffer.from('{"id":18446744073709551615,"peerURLs":null}')).id,
    'ffffffffffffffff',
  );
  assert.throws(() => parseMemberContext(Buffer.from('{"id":18446744073709551616}')), /overflows/);
  assert.throws(() => parseMemberContext(Buffer.from('{"id":"1"}')), /numeric "id"/);
  assert.throws(
    () => parseMemberContext(Buffer.from('{"id":1,"peerURLs":[1]}')),
    /list of strings/,
  );
  assert.throws(() => parseMemberContext(Buffer.from('nope')));
});

test('a fresh member: add is index 1, the publish 2, the first user key 3; stats as Go', () => {
  const s = new Store(undefined, undefined, STORE_NAMESPACES);
  assert.equal(validateConfChange(s, 'add', m1.id, m1, NOW), null);
  storeAddMember(s, m1, NOW);
  const pub = newRequest('PUT', memberAttributesPath(m1.id));
  pub.val = attributesJSON('n1', ['http://127.0.0.1:19791']);
  applyRequest(s, pub, NOW);
  const k = applyRequest(s, { ...newRequest('PUT', '/1/foo'), val: '1' }, NOW);
  assert.equal(k.node.createdIndex, 3);
  // What a fresh Go 2.0.13 member's /v2/stats/store shows before any request.
  assert.deepEqual(
    [s.stats.getsSuccess, s.stats.getsFail, s.stats.setsSuccess - 1, s.stats.createSuccess],
    [0, 1, 1, 1],
  );
  const got = membersFromStore(s, NOW);
  assert.deepEqual(got.members.get(m1.id), { ...m1, clientURLs: ['http://127.0.0.1:19791'] });
  assert.equal(got.removed.size, 0);
});

test('remove takes two indexes, update one; removed IDs stay removed', () => {
  const s = new Store(undefined, undefined, STORE_NAMESPACES);
  storeAddMember(s, m1, NOW);
  const m2 = { id: 'a', name: '', peerURLs: ['http://b'], clientURLs: [] };
  storeAddMember(s, m2, NOW);
  storeUpdateRaftAttributes(s, 'a', ['http://c'], NOW);
  assert.equal(s.index, 3);
  assert.deepEqual(membersFromStore(s, NOW).members.get('a')!.peerURLs, ['http://c']);
  storeRemoveMember(s, 'a', NOW);
  assert.equal(s.index, 5);
  const got = membersFromStore(s, NOW);
  assert.deepEqual([...got.members.keys()], [m1.id]);
  assert.deepEqual([...got.removed], ['a']);
  assert.equal(validateConfChange(s, 'add', 'a', m2, NOW), 'etcdserver: ID removed');
  assert.equal(validateConfChange(s, 'update', 'a', m2, NOW), 'etcdserver: ID removed');
});

test('validation at apply time, as etcd 2.0 ValidateConfigurationChange', () => {
  const s = new Store(undefined, undefined, STORE_NAMESPACES);
  storeAddMember(s, m1, NOW);
  const other = { id: 'b', name: '', peerURLs: ['http://other'], clientURLs: [] };
  assert.equal(validateConfChange(s, 'add', m1.id, other, NOW), 'etcdserver: ID exists');
  assert.equal(
    validateConfChange(s, 'add', 'b', { ...other, peerURLs: m1.peerURLs }, NOW),
    'etcdserver: peerURL exists',
  );
  assert.equal(validateConfChange(s, 'add', 'b', other, NOW), null);
  assert.equal(validateConfChange(s, 'remove', 'b', null, NOW), 'etcdserver: ID not found');
  assert.equal(validateConfChange(s, 'update', 'b', other, NOW), 'etcdserver: ID not found');
  // Updating a member to its own URLs is fine; to another member's is not.
  assert.equal(validateConfChange(s, 'update', m1.id, m1, NOW), null);
  storeAddMember(s, other, NOW);
  assert.equal(
    validateConfChange(s, 'update', m1.id, { ...m1, peerURLs: ['http://other'] }, NOW),
    'etcdserver: peerURL exists',
  );
});

test('only /0/members/<hex id>/attributes sets attributes (Go matches anywhere, then crashes)', () => {
  assert.equal(attributesTarget('/0/members/d59ef700c4ef4aff/attributes'), 'd59ef700c4ef4aff');
  assert.equal(attributesTarget('/0/members/00A/attributes'), 'a');
  assert.equal(attributesTarget('/1/0/members/1/attributes'), null);
  assert.equal(attributesTarget('/0/members/12345678901234567/attributes'), null);
  assert.equal(attributesTarget('/0/members/1/raftAttributes'), null);
});
