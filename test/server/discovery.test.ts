// bin/etcd --discovery against one of our own members as the discovery service: three
// members register, wait for each other and form one cluster.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reservePorts } from '../helpers/ports.js';
import { type Started, waitFor } from '../helpers/process.js';
import { http, runEtcd, spawnEtcd } from './run-member.js';

test('--discovery: three members bootstrap through a discovery URL served by our member', async () => {
  const d = await spawnEtcd({ name: 'disc' });
  const token = `tok${Date.now()}`;
  const durl = `${d.url}/v2/keys/_etcd/registry/${token}`;
  assert.equal((await http('PUT', `${durl}/_config/size`, 'value=3')).status, 201);
  const ports = await reservePorts(6);
  const members: { url: string; proc: Started }[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const c = `http://127.0.0.1:${ports[2 * i]}`;
      const p = `http://127.0.0.1:${ports[2 * i + 1]}`;
      members.push({
        url: c,
        proc: runEtcd([
          '--name',
          `n${i}`,
          '--data-dir',
          `${d.dataDir}-n${i}`,
          '--listen-client-urls',
          c,
          '--advertise-client-urls',
          c,
          '--listen-peer-urls',
          p,
          '--initial-advertise-peer-urls',
          p,
          '--discovery',
          durl,
        ]),
      });
    }
    await waitFor(
      async () =>
        (await Promise.all(members.map((m) => http('GET', `${m.url}/v2/keys/?quorum=true`)))).every(
          (r) => r.status === 200,
        ),
      'the discovered cluster to serve',
      20_000,
    );
    const list = JSON.parse((await http('GET', `${members[0]!.url}/v2/members`)).body).members;
    assert.deepEqual(list.map((m: { name: string }) => m.name).sort(), ['n0', 'n1', 'n2']);
    const ids = new Set(
      await Promise.all(
        members.map(
          async (m) => (await http('GET', `${m.url}/v2/members`)).headers['x-etcd-cluster-id'],
        ),
      ),
    );
    assert.equal(ids.size, 1, 'one cluster');
  } finally {
    for (const m of members) await m.proc.stop('SIGKILL');
    await d.destroy();
  }
});
