// Start-up of bin/etcd: log lines, bad configurations (exit 1, nothing written), a data
// dir in use, a port in use, and the defaults of `npm start`.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { reservePorts } from '../helpers/ports.js';
import { type MemberArgs, memberArgs } from '../helpers/member-args.js';
import { tempDir } from '../helpers/process.js';
import { runEtcd, spawnEtcd } from './run-member.js';

test('start-up logs etcd 2 lines: listening for peers and for client requests', async () => {
  const etcd = await spawnEtcd();
  try {
    const out = etcd.proc.output();
    assert.match(
      out,
      /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d etcd: listening for peers on http:\/\/127\.0\.0\.1:\d+$/m,
    );
    assert.match(out, /etcd: listening for client requests on http:\/\/127\.0\.0\.1:\d+$/m);
    assert.ok(existsSync(join(etcd.dataDir, 'member', 'wal')));
    assert.ok(existsSync(join(etcd.dataDir, 'member', 'snap')));
  } finally {
    await etcd.destroy();
  }
});

/** Runs etcd on a fresh data dir with a member's flags: it must exit 1, writing nothing. */
async function refusedStart(
  member: (clientUrl: string, peerUrl: string, dataDir: string) => MemberArgs,
): Promise<string> {
  const tmp = tempDir('etcd-bad');
  const [c, p] = await reservePorts(2);
  try {
    const data = join(tmp.path, 'data');
    const proc = runEtcd(
      memberArgs(member(`http://127.0.0.1:${c}`, `http://127.0.0.1:${p}`, data)),
    );
    assert.equal(await proc.exited, 1);
    assert.ok(!existsSync(data), 'nothing written');
    return proc.output();
  } finally {
    tmp.remove();
  }
}

test('a member not listed in --initial-cluster: exit 1, etcd message, nothing written', async () => {
  const out = await refusedStart((clientUrl, peerUrl, dataDir) => ({
    name: 'infra1',
    dataDir,
    clientUrl,
    peerUrl,
    initialCluster: `infra0=${peerUrl}`,
  }));
  assert.match(
    out,
    /etcd: couldn't find local name "infra1" in the initial cluster configuration\n/,
  );
  assert.match(out, /etcd: stopping listening for peers on/);
});

test('advertised peer URLs that do not match the cluster entry: exit 1, nothing written', async () => {
  const out = await refusedStart((clientUrl, peerUrl, dataDir) => ({
    name: 'infra0',
    dataDir,
    clientUrl,
    peerUrl,
    advertisePeerUrl: peerUrl.replace('http:', 'https:'),
    initialCluster: `infra0=${peerUrl}`,
  }));
  assert.match(
    out,
    /etcd: infra0 has different advertised URLs in the cluster and advertised peer URLs list/,
  );
});

test('a data dir in use by another member: a clear error and exit 1', async () => {
  const first = await spawnEtcd();
  try {
    const [c, p] = await reservePorts(2);
    const proc = runEtcd(
      memberArgs({
        name: 'srv',
        dataDir: first.dataDir,
        clientUrl: `http://127.0.0.1:${c}`,
        peerUrl: `http://127.0.0.1:${p}`,
      }),
    );
    assert.equal(await proc.exited, 1);
    assert.match(proc.output(), /in use by another process/);
    // The first member is unharmed.
    const r = await fetch(`${first.url}/v2/keys/still?value=ok`, { method: 'PUT' });
    assert.equal(r.status, 201);
  } finally {
    await first.destroy();
  }
});

test('a client port already in use: exit 1 with the listen error, nothing written', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as { port: number }).port;
  const [p] = await reservePorts(1);
  const tmp = tempDir('etcd-bad');
  const dir = tmp.path;
  try {
    const data = join(dir, 'data');
    const proc = runEtcd(
      memberArgs({
        dataDir: data,
        clientUrl: `http://127.0.0.1:${port}`,
        peerUrl: `http://127.0.0.1:${p}`,
        initialCluster: null,
      }),
    );
    assert.equal(await proc.exited, 1);
    assert.match(
      proc.output(),
      new RegExp(`listen tcp 127\\.0\\.0\\.1:${port}: bind: address already in use`),
    );
    assert.ok(!existsSync(data));
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    blocker.close();
    tmp.remove();
  }
});
