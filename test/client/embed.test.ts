// The client against a member started in this process with startEtcd (etcd's embed).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client } from '../../src/client/index.js';
import { silenceLogs } from '../../src/pkg/logger.js';
import { startEtcd } from '../../src/embed/etcd.js';
import { reservePorts } from '../helpers/ports.js';
import { tempDir } from '../helpers/process.js';

test('a client talks to an in-process member: keys, watch, members, close', async () => {
  silenceLogs();
  const dir = tempDir('client-embed');
  const [cp, pp] = await reservePorts(2);
  const clientUrl = `http://127.0.0.1:${cp}`;
  const peerUrl = `http://127.0.0.1:${pp}`;
  const etcd = await startEtcd({
    name: 'embedded',
    dataDir: dir.path,
    listenClientUrls: [clientUrl],
    advertiseClientUrls: [clientUrl],
    listenPeerUrls: [peerUrl],
    initialAdvertisePeerUrls: [peerUrl],
  });
  const client = new Client({ endpoints: etcd.clientUrls });
  try {
    await client.sync();
    assert.deepEqual(client.endpoints(), [clientUrl]);
    const first = await client.set('/config/a', '1');
    const events = client.watch('/config', { recursive: true, afterIndex: first.index });
    await client.set('/config/b', '2');
    await client.delete('/config/a');
    const got: string[] = [];
    for await (const ev of events) {
      got.push(`${ev.action} ${ev.node.key}`);
      if (got.length === 2) break;
    }
    assert.deepEqual(got, ['set /config/b', 'delete /config/a']);
    const all = await client.get('/config', { recursive: true, quorum: true });
    assert.deepEqual(
      all.node.nodes?.map((n) => [n.key, n.value]),
      [['/config/b', '2']],
    );
    const members = await client.members();
    assert.equal(members.length, 1);
    assert.equal(members[0]!.name, 'embedded');
    assert.equal(String((await client.health()).health), 'true');
  } finally {
    client.close();
    await etcd.close();
    dir.remove();
  }
});
