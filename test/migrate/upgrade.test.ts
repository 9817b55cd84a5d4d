// The upgrade of a data dir in place (what bin/etcd does at start and etcd-migrate runs):
// the member dir it writes, the layouts it recognizes, and the broken 0.4 dirs it refuses
// without changing a byte.
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decodeLog4, encodeLog4 } from '../../src/migrate/log4.js';
import { LayoutError } from '../../src/migrate/layout.js';
import { Upgrade04Error, upgradeDataDir } from '../../src/migrate/upgrade.js';
import { Logger, LogLevel } from '../../src/pkg/logger.js';
import { membersFromStore, STORE_NAMESPACES } from '../../src/server/membership-store.js';
import { decodeWalMetadata } from '../../src/server/wal-metadata.js';
import { Store } from '../../src/store/store.js';
import { tempDir } from '../helpers/process.js';
import {
  copyFixture,
  DATA,
  loadView04,
  readMemberDir,
  treeDigest,
  view04Time,
  viewOf,
} from './fixtures.js';

const tmp = tempDir('migrate04-up-');
after(() => tmp.remove());
let n = 0;
const fresh = (rel: string): string => copyFixture(rel, join(tmp.path, `d${n++}`));

function quietLogger(lines: string[]): Logger {
  return new Logger((l) => lines.push(l), LogLevel.Info);
}

describe('upgrading an etcd 0.4 member dir', () => {
  it('writes member/ (WAL + snapshot) holding 0.4.9 keyspace; the 0.4 files stay as they were', async () => {
    const dir = fresh(DATA.single);
    const before = treeDigest(dir);
    const lines: string[] = [];
    const r = await upgradeDataDir(dir, { logger: quietLogger(lines), now: 0 });
    assert.deepEqual(r, { was: 'v0.4', startAs: 'member' });
    assert.deepEqual(readdirSync(dir).sort(), ['conf', 'log', 'member', 'snapshot']);
    const moved = join(tmp.path, `only04-${n}`);
    mkdirSync(moved);
    for (const f of ['conf', 'log', 'snapshot']) renameSync(join(dir, f), join(moved, f));
    assert.equal(treeDigest(moved), before, '0.4 files unchanged');
    for (const f of ['conf', 'log', 'snapshot']) renameSync(join(moved, f), join(dir, f));

    const m = await readMemberDir(dir);
    assert.deepEqual(decodeWalMetadata(m.metadata), {
      memberId: '497efd3162f630e3',
      clusterId: '4add5',
    });
    assert.equal(m.hardState.commit, 368);
    assert.equal(m.hardState.term, 1);
    assert.equal(m.entries.length, 0);
    assert.ok(m.snapshot);
    assert.equal(m.snapshot.metadata.index, 368);
    assert.deepEqual(m.snapshot.metadata.confState.voters, ['497efd3162f630e3']);
    const store = Store.restore(m.snapshot.data, STORE_NAMESPACES);
    assert.deepEqual(
      [...membersFromStore(store, view04Time('single') * 1000).members.values()],
      [
        {
          id: '497efd3162f630e3',
          name: 'node1',
          peerURLs: ['http://localhost:42002'],
          clientURLs: ['http://localhost:42001'],
        },
      ],
    );
    const got = viewOf({ store }, view04Time('single') * 1000);
    assert.deepEqual(got, loadView04('single'));
    assert.ok(lines.some((l) => l.includes('upgraded') && l.includes('node1 (497efd3162f630e3)')));
  });

  it('running it twice is safe: the second run finds member/ and changes nothing', async () => {
    const dir = fresh(DATA.nosnap);
    await upgradeDataDir(dir, { logger: quietLogger([]) });
    const once = treeDigest(dir);
    const r = await upgradeDataDir(dir, { logger: quietLogger([]) });
    assert.deepEqual(r, { was: 'member', startAs: 'member' });
    assert.equal(treeDigest(dir), once);
  });

  it('an upgrade cut short (crash) left only member.upgrading: the next start upgrades again', async () => {
    const dir = fresh(DATA.nosnap);
    mkdirSync(join(dir, 'member.upgrading', 'wal'), { recursive: true });
    writeFileSync(
      join(dir, 'member.upgrading', 'wal', '0000000000000000-0000000000000000.wal'),
      'half',
    );
    const lines: string[] = [];
    const r = await upgradeDataDir(dir, { logger: quietLogger(lines), now: 0 });
    assert.deepEqual(r, { was: 'v0.4', startAs: 'member' });
    assert.deepEqual(readdirSync(dir).sort(), ['conf', 'log', 'member', 'snapshot']);
    assert.ok(!lines.some((l) => l.includes('invalid file/dir')), lines.join(''));
    const m = await readMemberDir(dir);
    assert.equal(m.hardState.commit, 29);
  });

  it('a node with a quorum read (etcd:get) in its log upgrades (2.0.13 dies on it)', async () => {
    const dir = fresh(DATA.qget);
    const r = await upgradeDataDir(dir, { logger: quietLogger([]) });
    assert.equal(r.startAs, 'member');
  });

  it('a torn last log record is left out, as 0.4.9 itself does, and said so', async () => {
    const dir = fresh(DATA.nosnap);
    truncateSync(join(dir, 'log'), readFileSync(join(dir, 'log')).length - 5);
    const log = readFileSync(join(dir, 'log'));
    const lines: string[] = [];
    await upgradeDataDir(dir, { logger: quietLogger(lines), now: 0 });
    assert.deepEqual(readFileSync(join(dir, 'log')), log, 'the 0.4 log is not repaired in place');
    assert.ok(lines.some((l) => /record cut short; ignored, as etcd 0.4 itself does/.test(l)));
    const m = await readMemberDir(dir);
    const store = Store.restore(m.snapshot!.data, STORE_NAMESPACES);
    assert.equal(store.find('/1/sp aceB'), null, 'the torn write (entry 29) was never applied');
    assert.ok(store.find('/1/casttlB') !== null);
    assert.equal(m.hardState.commit, 28);
  });

  it('a snapshot with an empty log upgrades from the snapshot (2.0.13 panics)', async () => {
    const dir = fresh(DATA.single);
    writeFileSync(join(dir, 'log'), '');
    const r = await upgradeDataDir(dir, { logger: quietLogger([]), now: 0 });
    assert.equal(r.startAs, 'member');
    const m = await readMemberDir(dir);
    assert.equal(m.snapshot!.metadata.index, 341);
    const store = Store.restore(m.snapshot!.data, STORE_NAMESPACES);
    assert.equal(store.index, 328);
  });
});

describe('broken 0.4 dirs: a clear error, and not a byte changed', () => {
  const broken: [string, (dir: string) => void, RegExp][] = [
    [
      'empty log and no snapshot',
      (d) => writeFileSync(join(d, 'log'), ''),
      /nothing to upgrade in .*: the 0.4 log is empty and there is no snapshot; nothing was changed/,
    ],
    ['no conf', (d) => rmSync(join(d, 'conf')), /looks like an etcd 0.4 data dir but has no conf/],
    [
      'a stray file in snapshot/',
      (d) => writeFileSync(join(d, 'snapshot', 'junk.txt'), 'x\n'),
      /"junk.txt" is not a <term>_<index>.ss snapshot file; nothing was changed/,
    ],
    [
      'a damaged record inside the log',
      (d) => {
        const b = readFileSync(join(d, 'log'));
        b[0] = 0x7a;
        writeFileSync(join(d, 'log'), b);
      },
      /bad record header .* at offset 0; nothing was changed/,
    ],
    [
      'a log that does not reach back to the snapshot',
      (d) =>
        writeFileSync(
          join(d, 'log'),
          encodeLog4(decodeLog4(readFileSync(join(d, 'log'))).entries.slice(1)),
        ),
      /starts at entry 2 but there is no snapshot: entries are missing/,
    ],
  ];
  for (const [what, breakIt, message] of broken) {
    it(what, async () => {
      const dir = fresh(DATA.nosnap);
      breakIt(dir);
      const before = treeDigest(dir);
      await assert.rejects(upgradeDataDir(dir, { logger: quietLogger([]) }), (e: Error) => {
        assert.ok(e instanceof Upgrade04Error, String(e));
        assert.match(e.message, message);
        return true;
      });
      assert.equal(treeDigest(dir), before);
    });
  }
});

describe('other layouts', () => {
  it("a 0.4 standby's dir becomes a proxy's (with the peers it knew, if any)", async () => {
    const dir = fresh(DATA.standby);
    const r = await upgradeDataDir(dir, { logger: quietLogger([]) });
    assert.deepEqual(r, { was: 'v0.4-standby', startAs: 'proxy' });
    assert.deepEqual(readdirSync(join(dir, 'proxy')), [], 'standby_info had no cluster');
    const again = await upgradeDataDir(dir, { logger: quietLogger([]) });
    assert.deepEqual(again, { was: 'proxy', startAs: 'proxy' });

    const known = fresh(DATA.standby);
    writeFileSync(
      join(known, 'standby_info'),
      JSON.stringify({
        Running: true,
        Cluster: [
          { name: 'node1', state: 'leader', clientURL: 'http://a:4001', peerURL: 'http://a:7001' },
          {
            name: 'node2',
            state: 'follower',
            clientURL: 'http://b:4001',
            peerURL: 'http://b:7001',
          },
        ],
        SyncInterval: 5,
      }),
    );
    await upgradeDataDir(known, { logger: quietLogger([]) });
    assert.deepEqual(JSON.parse(readFileSync(join(known, 'proxy', 'cluster'), 'utf8')), {
      PeerURLs: ['http://a:7001', 'http://b:7001'],
    });
  });

  it('a 2.0.0 dir (wal/ and snap/ at the top) is moved into member/', async () => {
    const dir = fresh(DATA.nosnap);
    await upgradeDataDir(dir, { logger: quietLogger([]) });
    const v200 = join(tmp.path, `v200-${n++}`);
    mkdirSync(v200);
    renameSync(join(dir, 'member', 'wal'), join(v200, 'wal'));
    renameSync(join(dir, 'member', 'snap'), join(v200, 'snap'));
    const r = await upgradeDataDir(v200, { logger: quietLogger([]) });
    assert.deepEqual(r, { was: 'v2.0.0', startAs: 'member' });
    assert.deepEqual(readdirSync(v200), ['member']);
    const m = await readMemberDir(v200);
    assert.equal(m.hardState.commit, 29);
  });

  it('an empty or missing dir starts a new member; member/ and proxy/ together are refused', async () => {
    assert.deepEqual(await upgradeDataDir(join(tmp.path, 'none')), {
      was: 'empty',
      startAs: 'new',
    });
    const both = join(tmp.path, 'both');
    mkdirSync(join(both, 'member'), { recursive: true });
    mkdirSync(join(both, 'proxy'));
    await assert.rejects(upgradeDataDir(both), LayoutError);
    assert.ok(existsSync(join(both, 'member')));
  });

  it('a lone file named log is not a 0.4 dir: warned about, as etcd does, and left alone', async () => {
    const dir = join(tmp.path, 'lone-log');
    mkdirSync(dir);
    writeFileSync(join(dir, 'log'), 'not etcd\n');
    const lines: string[] = [];
    assert.deepEqual(await upgradeDataDir(dir, { logger: quietLogger(lines) }), {
      was: 'empty',
      startAs: 'new',
    });
    assert.ok(lines.some((l) => l.includes('found invalid file/dir log under data dir')));
  });
});
