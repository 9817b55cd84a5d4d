// Conditions on which members could part ways stop the member, as Go etcd's log.Panicf
// does: an undecodable committed entry, a member context that does not parse, malformed
// member attributes, a broken raft invariant. One log line, the embedder told (bin/etcd
// exits 1), waiters failed; never a skipped entry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startEtcd } from '../../src/embed/etcd.js';
import { Logger } from '../../src/pkg/logger.js';
import {
  type ConfChange,
  ConfChangeType,
  type Entry,
  MessageType,
  newMessage,
} from '../../src/raft/types.js';
import { applyEntries } from '../../src/server/apply.js';
import { FatalError } from '../../src/server/errors.js';
import { encodeRequest } from '../../src/server/etcdserverpb.js';
import { newRequest } from '../../src/store/request.js';
import { reservePorts } from '../helpers/ports.js';
import { tempDir } from '../helpers/process.js';
import { confChange, GARBAGE, normal, sink, state } from './apply-fixtures.js';

test('apply: a committed entry that cannot be decoded is fatal, not skipped', () => {
  const calls: string[] = [];
  const st = state();
  const put = newRequest('PUT', '/k');
  put.val = 'v';
  put.id = 'a1';
  assert.throws(
    () => applyEntries(st, sink(calls), [normal(1, encodeRequest(put)), normal(2, GARBAGE)], 0, 0),
    (e: unknown) => e instanceof FatalError && /entry 2/.test(e.message),
  );
  // What came before the broken entry was applied, in order.
  assert.deepEqual(calls, ['trigger a1']);
  assert.equal(st.store.index, 1);
});

test("apply: an AddNode whose member context does not parse is fatal before raft's configuration changes", () => {
  const calls: string[] = [];
  const bad: ConfChange = {
    id: 'c1',
    type: ConfChangeType.AddNode,
    nodeId: 'b',
    context: new TextEncoder().encode('{not json'),
  };
  assert.throws(() => applyEntries(state(), sink(calls), [confChange(1, bad)], 0, 0), FatalError);
  assert.deepEqual(calls, []);
  const ok: ConfChange = {
    ...bad,
    context: new TextEncoder().encode('{"id":11,"peerURLs":["http://127.0.0.1:1"],"name":"b"}'),
  };
  const st = state();
  const p = applyEntries(st, sink(calls), [confChange(1, ok)], 0, 0);
  assert.equal(p.applied, 1);
  assert.deepEqual(calls, ['raft AddNode b', 'addPeer b', 'trigger c1']);
  assert.deepEqual(st.membership.get('b')?.peerURLs, ['http://127.0.0.1:1']);
});

test('apply: malformed member attributes in a committed entry are fatal', () => {
  const r = newRequest('PUT', '/0/members/a/attributes');
  r.val = '{"name":';
  r.id = 'f';
  assert.throws(
    () => applyEntries(state(), sink([]), [normal(1, encodeRequest(r))], 0, 0),
    FatalError,
  );
});

async function startMember(onFatal: () => void, lines: string[]) {
  const dir = tempDir('etcd-fatal');
  const [c, p] = await reservePorts(2);
  const etcd = await startEtcd({
    name: 'fatal',
    dataDir: dir.path,
    listenClientUrls: [`http://127.0.0.1:${c}`],
    advertiseClientUrls: [`http://127.0.0.1:${c}`],
    listenPeerUrls: [`http://127.0.0.1:${p}`],
    initialAdvertisePeerUrls: [`http://127.0.0.1:${p}`],
    logger: new Logger((l) => lines.push(l)),
    onFatal,
  });
  return { etcd, dir };
}

interface Append {
  index: number;
  logTerm: number;
  entries: Entry[];
  commit: number;
}

/** Starts a member, writes once, then hands a crafted message from a "leader" to it. */
async function fatalAfter(type: MessageType, craft: (last: number, term: number) => Append) {
  const lines: string[] = [];
  let fatalCalls = 0;
  let fatalled!: () => void;
  const fatal = new Promise<void>((r) => {
    fatalled = r;
  });
  const { etcd, dir } = await startMember(() => {
    fatalCalls++;
    fatalled();
  }, lines);
  try {
    const m = etcd.member;
    const put = newRequest('PUT', '/before');
    put.val = '1';
    await m.do(put);
    const last = m.raftIndex();
    const term = m.raftTerm();
    const msg = newMessage(type, m.id, 'ffffffffffffffff', term + 1);
    Object.assign(msg, craft(last, term));
    m.receive(msg);
    await fatal;
    assert.equal(fatalCalls, 1);
    assert.equal(m.healthy(), false);
    assert.ok(m.fatal() instanceof Error);
    const fatalLines = lines.filter((l) => l.includes('etcdserver: fatal:'));
    assert.equal(fatalLines.length, 1, lines.join('\n'));
    // A member that stopped refuses writes rather than queueing them.
    const again = newRequest('PUT', '/after');
    again.val = '2';
    await assert.rejects(async () => m.do(again), /./);
    return fatalLines[0]!;
  } finally {
    await etcd.close();
    dir.remove();
  }
}

test('an in-process member stops on a committed entry it cannot decode', async () => {
  const line = await fatalAfter(MessageType.App, (last, term) => ({
    index: last,
    logTerm: term,
    entries: [{ ...normal(last + 1, GARBAGE), term: term + 1 }],
    commit: last + 1,
  }));
  assert.match(line, /cannot decode committed entry/);
});

test('an in-process member stops when raft finds a broken invariant (a commit beyond its log)', async () => {
  // A heartbeat from a "leader" saying entries this member never had are committed: Go's
  // raft panics ("Was the raft log corrupted, truncated, or lost?").
  const line = await fatalAfter(MessageType.Heartbeat, (last) => ({
    index: 0,
    logTerm: 0,
    entries: [],
    commit: last + 10,
  }));
  assert.match(line, /tocommit\(\d+\) is out of range/);
});
