// `npm run cluster` (scripts/cluster.ts): three members come up as one cluster, a write on
// one is read on another, and SIGINT (Ctrl-C) stops every member and exits 0.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { reservePorts } from '../helpers/ports.js';
import { start, tempDir, waitFor } from '../helpers/process.js';

const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'cluster.js');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('npm run cluster starts three members and stops them all on Ctrl-C', async () => {
  const dir = tempDir('docs-cluster');
  const ports = await reservePorts(6);
  const client = ports.slice(0, 3);
  const peer = ports.slice(3);
  const script = start(process.execPath, [
    SCRIPT,
    '--data-dir',
    dir.path,
    '--client-ports',
    client.join(','),
    '--peer-ports',
    peer.join(','),
  ]);
  try {
    const urls = client.map((p) => `http://127.0.0.1:${p}`);
    for (const u of urls) {
      await waitFor(
        async () => {
          const res = await fetch(`${u}/health`);
          return res.ok && String(((await res.json()) as { health: unknown }).health) === 'true';
        },
        `${u}/health`,
        30_000,
      );
    }
    const put = await fetch(`${urls[0]}/v2/keys/hello`, {
      method: 'PUT',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'value=world',
    });
    assert.equal(put.status, 201);
    const got = (await (await fetch(`${urls[2]}/v2/keys/hello?quorum=true`)).json()) as {
      node: { value: string };
    };
    assert.equal(got.node.value, 'world');
    const members = (await (await fetch(`${urls[1]}/v2/members`)).json()) as {
      members: { name: string }[];
    };
    assert.deepEqual(members.members.map((m) => m.name).sort(), ['infra1', 'infra2', 'infra3']);

    const pids = [...script.output().matchAll(/started \(pid (\d+)\)/g)].map((m) => Number(m[1]));
    assert.equal(pids.length, 3, script.output());
    assert.equal(await script.stop('SIGINT'), 0, script.output());
    for (const pid of pids) assert.equal(alive(pid), false, `member ${pid} still running`);
    assert.match(script.output(), /infra1 \| exited \(0\)/);
    assert.match(script.output(), /infra3 \| .*etcd/);
  } finally {
    await script.stop('SIGKILL');
    dir.remove();
  }
});
