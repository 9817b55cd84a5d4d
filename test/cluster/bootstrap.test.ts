// Bootstrap misconfigurations of real processes: each gives its exact error and a
// non-zero exit, and nothing is written (no WAL for the member; the running cluster's
// members and store unchanged). Both flavours log etcd 2.0.13's words; where 2.0.13
// behaves otherwise (its exit status on a cluster ID conflict; it never notices a data dir
// of another cluster) each is held to its own. CLUSTER_FLAVOR=reference runs it against
// Go etcd 2.0.13.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Cluster } from '../../src/discovery/cluster.js';
import { WAL } from '../../src/wal/wal.js';
import {
  type MemberSpec,
  memberArgs,
  OUR_ETCD,
  startCluster,
  type TestCluster,
} from '../helpers/cluster.js';
import { reservePorts } from '../helpers/ports.js';
import { type Started, start, tempDir } from '../helpers/process.js';
import { REFERENCE_ETCD } from '../helpers/reference.js';
import {
  FLAVOR,
  flavorSkip,
  getKey,
  hasLine,
  memberIds,
  request,
  TUNING,
  tail,
  until,
} from './util.js';

const ours = FLAVOR === 'ours';

function launch(args: string[]): Started {
  return ours ? start(process.execPath, [OUR_ETCD, ...args]) : start(REFERENCE_ETCD, args);
}

/** Waits for the process to exit (killing it after `ms`); its code and output. */
async function exitOf(p: Started, ms = 6000): Promise<{ code: number | string; out: string }> {
  const timer = setTimeout(() => p.proc.kill('SIGKILL'), ms);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, out: p.output() };
}

/** Waits until the still-running process logs a line matching `re`, then kills it. */
async function logged(p: Started, re: RegExp): Promise<void> {
  try {
    await until(
      'the refusal in its log',
      10_000,
      async () => (re.test(p.output()) ? true : undefined),
      50,
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}: ${re}\n${tail(p.output(), 25)}`);
  } finally {
    await p.stop('SIGKILL');
  }
}

/** Files under `dir` whose names end with one of `exts` (WAL and snapshot files). */
/** The commit index saved in a member's WAL (0 when none, or no WAL). */
async function committedIndex(dataDir: string): Promise<number> {
  const dir = join(dataDir, 'member', 'wal');
  if (filesEnding(dir, ['.wal']).length === 0) return 0;
  const w = await WAL.open(dir, { index: 0, term: 0 });
  try {
    return (await w.readAll()).hardState.commit;
  } finally {
    await w.close();
  }
}

function filesEnding(dir: string, exts: string[]): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && exts.some((x) => e.name.endsWith(x))) out.push(join(e.parentPath, e.name));
  }
  return out;
}

async function spec(dir: string, name: string): Promise<MemberSpec> {
  const [c, p] = await reservePorts(2);
  return {
    name,
    clientUrl: `http://127.0.0.1:${c}`,
    peerUrl: `http://127.0.0.1:${p}`,
    dataDir: join(dir, name),
  };
}

/** The process exits non-zero with the flavor's message and leaves no WAL. */
async function expectRefused(
  args: string[],
  dataDir: string,
  text: { ours: string; reference: string },
) {
  const { code, out } = await exitOf(launch(args));
  const want = ours ? text.ours : text.reference;
  assert.ok(hasLine(out, want), `expected a line ending with\n  ${want}\ngot:\n${tail(out)}`);
  assert.equal(code, 1, `exit status:\n${tail(out)}`);
  assert.deepEqual(filesEnding(dataDir, ['.wal', '.snap']), [], 'files written');
}

describe(`bootstrap misconfigurations (${FLAVOR})`, {
  skip: flavorSkip(),
  timeout: 120_000,
}, () => {
  const dir = tempDir('bootstrap');
  after(() => dir.remove());

  it('not listed in the initial cluster', async () => {
    const a = await spec(dir.path, 'a');
    const other = await spec(dir.path, 'b');
    await expectRefused(memberArgs(a, `b=${other.peerUrl}`, 'tok', 'new', TUNING), a.dataDir, {
      ours: `etcd: couldn't find local name "a" in the initial cluster configuration`,
      reference: `etcd: couldn't find local name "a" in the initial cluster configuration`,
    });
  });

  it('advertised peer URLs differ from the initial cluster: https vs http, and another port', async () => {
    const a = await spec(dir.path, 'a2');
    const https = a.peerUrl.replace('http:', 'https:');
    await expectRefused(
      [
        ...memberArgs({ ...a, peerUrl: https }, `a2=${a.peerUrl}`, 'tok', 'new', TUNING),
        '--listen-peer-urls',
        a.peerUrl,
      ],
      a.dataDir,
      {
        ours: 'etcd: a2 has different advertised URLs in the cluster and advertised peer URLs list',
        reference:
          'etcd: a2 has different advertised URLs in the cluster and advertised peer URLs list',
      },
    );
    const [port] = await reservePorts(1);
    const elsewhere = `http://127.0.0.1:${port}`;
    await expectRefused(memberArgs(a, `a2=${elsewhere}`, 'tok', 'new', TUNING), a.dataDir, {
      ours: 'etcd: a2 has different advertised URLs in the cluster and advertised peer URLs list',
      reference:
        'etcd: a2 has different advertised URLs in the cluster and advertised peer URLs list',
    });
  });

  it('--initial-cluster-state existing with no member reachable', async () => {
    const a = await spec(dir.path, 'a3');
    const gone = await spec(dir.path, 'gone');
    await expectRefused(
      memberArgs(a, `a3=${a.peerUrl},gone=${gone.peerUrl}`, 'tok', 'existing', TUNING),
      a.dataDir,
      {
        ours: 'etcd: cannot fetch cluster info from peer urls: etcdserver: could not retrieve cluster information from the given urls',
        reference:
          'etcd: cannot fetch cluster info from peer urls: etcdserver: could not retrieve cluster information from the given urls',
      },
    );
  });

  describe('against a running cluster', () => {
    let c: TestCluster;
    let clusterId = '';
    let snapshot = '';
    let conflicting: MemberSpec;
    /** Case 1's launch of the conflicting member, to make its data dir again (case 2). */
    let relaunchConflicting: () => Promise<void> = async () => {};
    /**
     * Members list and a key with its indexes: what "nothing written" compares. Not the
     * store index: 2.0.13 records a restarted member's publish in its store.
     */
    const state = async () => {
      const u = c.members[0]!.clientUrl;
      const members = (await request('GET', `${u}/v2/members`)).body;
      const r = await getKey(u, 'boot', true);
      return `${members}|${r.body}`;
    };
    /** Restarts any member of the running cluster that has exited, then waits for it. */
    const heal = async () => {
      for (let i = 0; i < 3; i++) {
        const m = c.members[i]!;
        if (!m.proc || m.proc.proc.exitCode !== null || m.proc.proc.signalCode !== null) {
          await c.stopMember(i);
          await c.startMember(i);
        }
      }
      await until('the cluster to serve quorum reads', 20_000, async () =>
        (await getKey(c.members[0]!.clientUrl, 'boot', true)).status === 200 ? true : undefined,
      );
    };

    before(async () => {
      c = await startCluster(3, { flavor: FLAVOR, tuning: TUNING });
      const w = await request('PUT', `${c.members[0]!.clientUrl}/v2/keys/boot`, 'value=1');
      assert.equal(w.status, 201);
      clusterId = String(w.headers['x-etcd-cluster-id']);
      await until(
        'every member to have published itself',
        20_000,
        async () => {
          const ms = JSON.parse(
            (await request('GET', `${c.members[0]!.clientUrl}/v2/members`)).body,
          );
          return ms.members.every((m: { clientURLs: string[] }) => m.clientURLs.length > 0)
            ? true
            : undefined;
        },
        50,
      );
      snapshot = await state();
    });
    after(() => c?.close());

    it('conflicting cluster ID: a new member configured differently contacts the cluster', async () => {
      // The seed's example: m2's place taken by m3 in an otherwise identical configuration.
      conflicting = await spec(dir.path, 'm3');
      const initial = `m0=${c.members[0]!.peerUrl},m1=${c.members[1]!.peerUrl},m3=${conflicting.peerUrl}`;
      const local = Cluster.fromString(c.token, initial).id;
      assert.notEqual(local, clusterId);
      const args = memberArgs(conflicting, initial, c.token, 'new', TUNING);
      relaunchConflicting = async () => {
        rmSync(conflicting.dataDir, { recursive: true, force: true });
        await exitOf(launch(args));
        await heal();
      };
      const p = launch(args);
      // etcd 2.0.13's two lines; it then stops with status 0, ours with 1 (a supervisor
      // should see a misconfigured member as failed).
      const { code, out } = await exitOf(p);
      for (const want of [
        `etcdserver: conflicting cluster ID with the target cluster (${clusterId} != ${local})`,
        'etcdserver: the data-dir used by this member must be removed.',
      ]) {
        assert.ok(hasLine(out, want), `expected a line ending with\n  ${want}\ngot:\n${tail(out)}`);
      }
      assert.equal(code, ours ? 1 : 0, `exit status:\n${tail(out)}`);
      await heal();
      assert.equal(await state(), snapshot, 'the running cluster changed');
    });

    it("a member restarted on another cluster's data dir", async () => {
      // The data dir the previous case left: a WAL of the other cluster, whose members
      // include m0 and m1 of the running one.
      // The member may have stopped on the peers' 412 before its first save (a race the
      // network usually loses): then its WAL names no members, and a member started on it
      // knows no peer to contact. Made again until the bootstrap is in it.
      for (let tries = 1; (await committedIndex(conflicting.dataDir)) === 0; tries++) {
        assert.ok(tries <= 5, "precondition: a WAL holding the other cluster's bootstrap");
        await relaunchConflicting();
      }
      const local = Cluster.fromString(
        c.token,
        `m0=${c.members[0]!.peerUrl},m1=${c.members[1]!.peerUrl},m3=${conflicting.peerUrl}`,
      ).id;
      await c.stopMember(2, 'SIGTERM');
      const m2 = c.members[2]!;
      const p = launch(
        memberArgs(
          { ...m2, dataDir: conflicting.dataDir },
          c.initialCluster,
          c.token,
          'new',
          TUNING,
        ),
      );
      if (ours) {
        const { code, out } = await exitOf(p);
        const want = `etcdserver: conflicting cluster ID with the target cluster (${clusterId} != ${local})`;
        assert.ok(hasLine(out, want), `expected a line ending with\n  ${want}\ngot:\n${tail(out)}`);
        assert.equal(code, 1, `exit status:\n${tail(out)}`);
      } else {
        // 2.0.13 campaigns alone in the other cluster: the running one never answers it.
        await logged(p, /became candidate at term/);
      }
      await heal();
      assert.equal(await state(), snapshot, 'the running cluster changed');
    });

    it('a member whose data dir was lost, started again as new: already bootstrapped', async () => {
      const m2 = c.members[2]!;
      const id = (await memberIds(c.members[0]!.clientUrl)).get('m2')!;
      await c.stopMember(2, 'SIGTERM');
      const kept = `${m2.dataDir}.kept`;
      renameSync(m2.dataDir, kept);
      try {
        await expectRefused(memberArgs(m2, c.initialCluster, c.token, 'new', TUNING), m2.dataDir, {
          ours: `etcd: member ${id} has already been bootstrapped`,
          reference: `etcd: member ${id} has already been bootstrapped`,
        });
      } finally {
        if (existsSync(m2.dataDir)) renameSync(m2.dataDir, `${m2.dataDir}.failed`);
        renameSync(kept, m2.dataDir);
      }
      await heal();
      assert.equal(await state(), snapshot, 'the running cluster changed');
    });
  });
});
