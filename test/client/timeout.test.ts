// A header timeout shorter than any round trip always expires (etcdctl --timeout 1ns), as
// Go's ResponseHeaderTimeout does, even against a server that answers at once: the
// answer is checked against the deadline, not only swept by a timer.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { Client } from '../../src/client/index.js';

let server: Server;
let url: string;

before(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'X-Etcd-Index': '1' });
    res.end('{"action":"get","node":{"key":"/k","value":"v","modifiedIndex":1,"createdIndex":1}}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

test('a 1 ns header timeout fails every request, deterministically', async () => {
  const c = new Client({ endpoints: [url], timeout: 1e-6 });
  try {
    for (let i = 0; i < 50; i++) {
      await assert.rejects(c.get('/k'), /exceeded header timeout/);
    }
  } finally {
    c.close();
  }
});

test('a generous header timeout lets the same answers through', async () => {
  const c = new Client({ endpoints: [url], timeout: 5000 });
  try {
    for (let i = 0; i < 20; i++) assert.equal((await c.get('/k')).node.value, 'v');
  } finally {
    c.close();
  }
});
