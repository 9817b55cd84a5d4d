// Conversion of real etcd 0.4.9 data dirs, in process with a fake clock (the time 0.4's
// keyspace was read): our store after the upgrade serves every key exactly as 0.4.9 did.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { convert04, type Converted04 } from '../../src/migrate/convert.js';
import { decodeLog4, encodeLog4 } from '../../src/migrate/log4.js';
import { formatGoTimeNs, parseGoTime } from '../../src/migrate/go-time.js';
import { findSelf } from '../../src/migrate/members4.js';
import { goQueryEscape, machineValue } from '../../src/migrate/replay.js';
import { decodeSnapshot4 } from '../../src/migrate/snapshot4.js';
import { tempDir } from '../helpers/process.js';
import {
  copyFixture,
  DATA,
  FIXTURES,
  assertSameKeyspace,
  loadView04,
  viewOf,
  view04Time,
} from './fixtures.js';

function convertFixture(rel: string, name?: string): Converted04 {
  const t = tempDir('migrate04-conv-');
  try {
    const dir = copyFixture(rel, join(t.path, 'd'));
    return convert04(dir, { ...(name ? { name } : {}), now: 0 });
  } finally {
    t.remove();
  }
}

describe('0.4.9 keyspace after conversion (fake clock)', () => {
  const cases: [string, string, string][] = [
    ['single node: snapshot + log tail', DATA.single, 'single'],
    ['node without snapshots', DATA.nosnap, 'nosnap'],
    ['node with a quorum read in its log', DATA.qget, 'qget'],
    ['3-node cluster, node1', DATA.node1, 'cluster3'],
    ['3-node cluster, node2', DATA.node2, 'cluster3'],
    ['3-node cluster, node3', DATA.node3, 'cluster3'],
  ];
  for (const [what, rel, fixture] of cases) {
    it(`${what}: every key, value, dir, hidden key, index and expiry as 0.4.9 served it`, () => {
      const c = convertFixture(rel);
      const want = loadView04(fixture);
      assert.ok(Object.keys(want).length > 20, 'the fixture view has keys');
      assertSameKeyspace(want, viewOf(c, view04Time(fixture) * 1000));
    });
  }

  it('single: 0.4 snapshot keys get back the modifiedIndex 0.4 lost in its snapshot', () => {
    const state = decodeSnapshot4(readFileSync(join(FIXTURES, DATA.single, 'snapshot', '0_341.ss')))
      .state as { Root: { Children: Record<string, { ModifiedIndex: number }> } };
    // 0.4 wrote modifiedIndex = createdIndex for a CAS'd key...
    assert.equal(state.Root.Children.casA!.ModifiedIndex, 18);
    // ...but served 19, and so do we.
    const c = convertFixture(DATA.single);
    assert.equal(c.store.find('/1/casA')!.modifiedIndex, 19);
    assert.equal(c.store.find('/1/updatedA')!.modifiedIndex, 15);
  });

  it("single: 0.4's event history carries over: a watch from an old index still finds it", () => {
    const s = convertFixture(DATA.single).store;
    const e = s.hub.history.scan('/1/casA', false, 19, s.index);
    assert.equal(e?.action, 'compareAndSwap');
    assert.equal(e?.prevNode?.value, 'c0');
    const tail = s.hub.history.scan('/1/queueB', true, 337, s.index);
    assert.equal(tail?.node.key, '/1/queueB/337', 'replayed writes join the history');
    assert.equal(s.hub.history.startIndex, 1);
    // TTLs as they were when each write happened (0.4's clock: its SYNC times).
    assert.equal(s.hub.history.scan('/1/ttlA', false, 1, s.index)?.node.ttl, 3600);
    assert.equal(s.hub.history.scan('/1/ttlB', false, 300, s.index)?.node.ttl, 3600);
  });

  it('single: log-tail writes keep their absolute expiry, creates and in-order names', () => {
    const c = convertFixture(DATA.single);
    const s = c.store;
    assert.ok(s.find('/1/createdB') !== null, 'create (prevExist=false) kept');
    assert.ok(s.find('/1/mkdirB')?.isDir(), 'create dir kept');
    assert.deepEqual(
      [...s.find('/1/queueB')!.children!].map((n) => n.key),
      ['/1/queueB/336', '/1/queueB/337'],
    );
    const ttl = s.find('/1/ttlB')!.ttl!;
    assert.deepEqual(
      [ttl.expireTime, ttl.expireNs],
      [Date.parse('2026-12-03T09:42:27.379Z'), 104_177],
    );
    assert.equal(s.index, 354);
  });

  it('identity: the member is found from conf (or --name), ID from its 0.4 raft URL', () => {
    const single = convertFixture(DATA.single);
    assert.equal(single.self.name, 'node1');
    assert.equal(single.self.id, '497efd3162f630e3'); // what Go 2.0.13 assigns too
    assert.deepEqual(single.self.peerURLs, ['http://localhost:42002']);
    assert.deepEqual(single.self.clientURLs, ['http://localhost:42001']);
    assert.equal(single.index, 368);
    assert.equal(single.term, 1);
    const ids = [DATA.node1, DATA.node2, DATA.node3].map((d) => convertFixture(d).self);
    assert.deepEqual(
      ids.map((m) => `${m.name}=${m.id}`),
      ['node1=3164f9316bd559d3', 'node2=a53708019e75549', 'node3=fe74508ba0b4078f'],
    );
    const n2 = convertFixture(DATA.node2, 'node2');
    assert.equal(n2.members.length, 3, 'the standby never joined');
    assert.equal(convertFixture(DATA.node2, 'default').self.name, 'node2');
  });

  it('identity: an ambiguous conf without --name is an error that says what to do', () => {
    const c = convertFixture(DATA.node1);
    assert.throws(
      () => findSelf(c.members, { commitIndex: 0, peers: [] }, undefined),
      /pass --name/,
    );
    assert.equal(findSelf(c.members, { commitIndex: 0, peers: [] }, 'node3').name, 'node3');
  });
});

describe('0.4 formats', () => {
  it('Go times to ns and back, zones and zero time included', () => {
    assert.equal(parseGoTime('0001-01-01T00:00:00Z'), 0n);
    const ns = parseGoTime('2026-12-03T09:42:27.379104177Z');
    assert.equal(ns % 1_000_000_000n, 379104177n);
    assert.equal(formatGoTimeNs(ns), '2026-12-03T09:42:27.379104177Z');
    assert.equal(parseGoTime('2026-12-03T10:42:27.5+01:00'), parseGoTime('2026-12-03T09:42:27.5Z'));
    assert.throws(() => parseGoTime('yesterday'), /not a Go time/);
  });

  it('machine values as 0.4 registry wrote them (Go url.Values.Encode)', () => {
    assert.equal(
      machineValue('http://localhost:42002', 'http://localhost:42001'),
      'etcd=http%3A%2F%2Flocalhost%3A42001&raft=http%3A%2F%2Flocalhost%3A42002',
    );
    assert.equal(goQueryEscape("a b!*'()~"), 'a+b%21%2A%27%28%29~');
  });

  it('log: round trip; a torn last record is cut as go-raft does; damage inside is an error', () => {
    const raw = readFileSync(join(FIXTURES, DATA.nosnap, 'log'));
    const log = decodeLog4(raw);
    assert.equal(log.entries.length, 29);
    assert.equal(log.tornTail, null);
    assert.deepEqual(encodeLog4(log.entries), raw);
    const torn = decodeLog4(raw.subarray(0, raw.length - 5));
    assert.equal(torn.entries.length, 28);
    const kept = encodeLog4(log.entries.slice(0, 28)).length;
    assert.deepEqual(torn.tornTail, { offset: kept, bytes: raw.length - 5 - kept });
    const bad = Buffer.from(raw);
    bad[0] = 0x7a; // 'z' in the first length
    assert.throws(
      () => decodeLog4(bad, 'x/log'),
      /etcd 0.4 log x\/log: bad record header .* at offset 0/,
    );
  });

  it('snapshot: a wrong checksum is an error naming the file', () => {
    const p = join(FIXTURES, DATA.single, 'snapshot', '0_341.ss');
    const b = Buffer.from(readFileSync(p));
    b.writeUInt8(b.readUInt8(b.length - 3) ^ 1, b.length - 3);
    assert.throws(() => decodeSnapshot4(b, p), /0_341\.ss: bad checksum/);
  });
});
