// The in-process member (etcd's embed) with the typed client: start, write, close,
// start again on the same data dir, read.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client, startEtcd } from '../../src/index.js';
import { silenceLogs } from '../../src/pkg/logger.js';
import { reservePorts } from '../helpers/ports.js';
import { tempDir } from '../helpers/process.js';

test('startEtcd: an in-process member serves the client and keeps data across close/start', async () => {
  silenceLogs();
  const tmp = tempDir('etcd-embed');
  const dir = tmp.path;
  const [c, p] = await reservePorts(2);
  const opts = {
    name: 'embedded',
    dataDir: join(dir, 'data'),
    listenClientUrls: [`http://127.0.0.1:${c}`],
    advertiseClientUrls: [`http://127.0.0.1:${c}`],
    listenPeerUrls: [`http://127.0.0.1:${p}`],
    initialAdvertisePeerUrls: [`http://127.0.0.1:${p}`],
  };
  try {
    let etcd = await startEtcd(opts);
    assert.deepEqual(etcd.clientUrls, [`http://127.0.0.1:${c}`]);
    let client = new Client({ endpoints: etcd.clientUrls });
    await client.set('/embedded/key', 'value');
    assert.equal(etcd.member.members().length, 1);
    client.close();
    await etcd.close();

    etcd = await startEtcd(opts);
    client = new Client({ endpoints: etcd.clientUrls });
    const got = await client.get('/embedded/key', { quorum: true });
    assert.equal(got.node?.value, 'value');
    client.close();
    await etcd.close();
  } finally {
    tmp.remove();
  }
});
