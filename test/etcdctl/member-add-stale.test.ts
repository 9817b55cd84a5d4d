// `etcdctl member add` prints the new member's --initial-cluster from a member list that may
// come from a member that has not applied the addition yet: the new member must still be in
// it, or it refuses to start ("member count is unequal").
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ours } from './run.js';

test('member add lists the new member even when the member list does not have it yet', async (t) => {
  let url = '';
  // etcdctl syncs the endpoints from the member list first: infra0 serves on this server.
  const old = () => ({
    id: 'a1',
    name: 'infra0',
    peerURLs: ['http://10.0.0.1:2380'],
    clientURLs: [url],
  });
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.method === 'POST') {
      res.writeHead(201);
      res.end(
        JSON.stringify({ id: 'b2', name: '', peerURLs: ['http://10.0.0.2:2380'], clientURLs: [] }),
      );
      return;
    }
    // A stale list: the addition is not applied here yet.
    res.end(JSON.stringify({ members: [old()] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const r = await ours(['--peers', url, 'member', 'add', 'infra1', 'http://10.0.0.2:2380']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /ETCD_INITIAL_CLUSTER="infra0=http:\/\/10\.0\.0\.1:2380,infra1=http:\/\/10\.0\.0\.2:2380"/,
  );
});
