// The members API's answer to each error the server can give, per method, as etcd 2.0.13's
// membersHandler writes it: POST and PUT answer only the errors they name (409, 404) and
// any other with a 500; a DELETE refused because the member is already removed is a 410,
// whether the removal was known before proposing or the log refused a second one.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { handleMembers } from '../../src/api/members.js';
import type { MembersApi, MemberView } from '../../src/api/server-api.js';
import {
  idExistsError,
  idRemovedError,
  memberNotFoundError,
  memberRemovedError,
  peerUrlExistsError,
  timeoutError,
} from '../../src/server/errors.js';

const ID = 'a1b2c3';
let failWith: unknown = null;

const api: MembersApi = {
  clusterId: () => 'c1',
  members: () => [],
  leader: () => '',
  addMember: async (peerURLs: string[]): Promise<MemberView> => {
    if (failWith !== null) throw failWith;
    return { id: ID, name: '', peerURLs, clientURLs: [] };
  },
  removeMember: async () => {
    if (failWith !== null) throw failWith;
  },
  updateMember: async () => {
    if (failWith !== null) throw failWith;
  },
};

const server = createServer((req, res) => {
  void handleMembers(req, res, new URL(req.url ?? '/', 'http://x').pathname, api);
});
let base = '';
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/members`;
});
after(() => server.close());

async function send(method: 'POST' | 'DELETE' | 'PUT', err: unknown): Promise<[number, string]> {
  failWith = err;
  const r = await fetch(method === 'POST' ? base : `${base}/${ID}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: method === 'DELETE' ? undefined : '{"peerURLs":["http://10.0.0.1:2380"]}',
  });
  return [r.status, await r.text()];
}

const internal: [number, string] = [500, '{"message":"Internal Server Error"}'];
const removed: [number, string] = [410, `{"message":"Member permanently removed: ${ID}"}`];

test('DELETE: removed (before proposing or by the log) 410, unknown 404, anything else 500', async () => {
  assert.deepEqual(await send('DELETE', null), [204, '']);
  assert.deepEqual(await send('DELETE', memberRemovedError(ID)), removed);
  assert.deepEqual(await send('DELETE', idRemovedError()), removed);
  assert.deepEqual(await send('DELETE', memberNotFoundError(ID)), [
    404,
    `{"message":"No such member: ${ID}"}`,
  ]);
  assert.deepEqual(await send('DELETE', timeoutError()), internal);
});

test('POST: an existing ID or peer URL 409 with the server error, anything else 500', async () => {
  assert.equal((await send('POST', null))[0], 201);
  assert.deepEqual(await send('POST', idExistsError()), [
    409,
    '{"message":"etcdserver: ID exists"}',
  ]);
  assert.deepEqual(await send('POST', peerUrlExistsError()), [
    409,
    '{"message":"etcdserver: peerURL exists"}',
  ]);
  assert.deepEqual(await send('POST', idRemovedError()), internal);
  assert.deepEqual(await send('POST', timeoutError()), internal);
});

test('PUT: a taken peer URL 409, unknown 404, a removed member or anything else 500', async () => {
  assert.deepEqual(await send('PUT', null), [204, '']);
  assert.deepEqual(await send('PUT', peerUrlExistsError()), [
    409,
    '{"message":"etcdserver: peerURL exists"}',
  ]);
  assert.deepEqual(await send('PUT', memberNotFoundError(ID)), [
    404,
    `{"message":"No such member: ${ID}"}`,
  ]);
  assert.deepEqual(await send('PUT', idRemovedError()), internal);
});
