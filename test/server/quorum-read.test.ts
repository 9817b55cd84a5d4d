// quorum=true GETs: by ReadIndex in a cluster of ours (no log entry), or through the log
// as QGET entries when quorumReadsViaLog is set (what Go etcd 2.0 members understand).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type EmbedOptions, startEtcd } from '../../src/embed/etcd.js';
import { silenceLogs } from '../../src/pkg/logger.js';
import { newRequest } from '../../src/store/request.js';
import { reservePorts } from '../helpers/ports.js';
import { tempDir } from '../helpers/process.js';

async function withMember(
  extra: Partial<EmbedOptions>,
  body: (e: Awaited<ReturnType<typeof startEtcd>>) => Promise<void>,
): Promise<void> {
  silenceLogs();
  const dir = tempDir('etcd-quorum');
  const [c, p] = await reservePorts(2);
  const etcd = await startEtcd({
    name: 'q',
    dataDir: dir.path,
    listenClientUrls: [`http://127.0.0.1:${c}`],
    advertiseClientUrls: [`http://127.0.0.1:${c}`],
    listenPeerUrls: [`http://127.0.0.1:${p}`],
    initialAdvertisePeerUrls: [`http://127.0.0.1:${p}`],
    ...extra,
  });
  try {
    await body(etcd);
  } finally {
    await etcd.close();
    dir.remove();
  }
}

async function quorumGet(clientUrl: string, key: string) {
  const res = await fetch(`${clientUrl}/v2/keys${key}?quorum=true`);
  return {
    status: res.status,
    raftIndex: Number(res.headers.get('x-raft-index')),
    body: (await res.json()) as { node?: { value?: string } },
  };
}

async function put(clientUrl: string, key: string, value: string): Promise<void> {
  const res = await fetch(`${clientUrl}/v2/keys${key}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `value=${value}`,
  });
  assert.ok(res.status === 200 || res.status === 201, `PUT ${key}: ${res.status}`);
}

test('a quorum GET is served by ReadIndex: the value, and no entry in the log', async () => {
  await withMember({}, async (etcd) => {
    const url = etcd.clientUrls[0]!;
    await put(url, '/q', 'one');
    const before = etcd.member.raftIndex();
    // The SYNC entries a leader proposes every 500 ms would move the index too: compare
    // the reads' own effect by reading several times in a row.
    const reads = await Promise.all([1, 2, 3, 4, 5].map(() => quorumGet(url, '/q')));
    for (const r of reads) {
      assert.equal(r.status, 200);
      assert.equal(r.body.node?.value, 'one');
    }
    assert.ok(etcd.member.raftIndex() - before <= 1, 'five quorum reads wrote entries');
    const missing = await quorumGet(url, '/nope');
    assert.equal(missing.status, 404);
  });
});

test('quorumReadsViaLog: a quorum GET goes through the log as a QGET entry', async () => {
  await withMember({ quorumReadsViaLog: true }, async (etcd) => {
    const url = etcd.clientUrls[0]!;
    await put(url, '/q', 'two');
    const before = etcd.member.raftIndex();
    const reads = await Promise.all([1, 2, 3, 4, 5].map(() => quorumGet(url, '/q')));
    for (const r of reads) {
      assert.equal(r.status, 200);
      assert.equal(r.body.node?.value, 'two');
    }
    assert.ok(etcd.member.raftIndex() - before >= 5, 'the reads did not go through the log');
    // The member API sees the same: a quorum read is a proposal.
    const r = newRequest('GET', '/q');
    r.quorum = true;
    const at = etcd.member.raftIndex();
    const ev = await etcd.member.do(r);
    assert.equal(ev.node?.value, 'two');
    assert.ok(etcd.member.raftIndex() > at);
  });
});
