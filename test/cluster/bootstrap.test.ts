// Bootstrap misconfigurations of real processes: each gives its exact error and a
// non-zero exit, and nothing is written (no WAL for the member; the running cluster's
// members and store unchanged). Our member follows etcd 2.0's wording (the seed's docs);
// Debian's etcd 3.4 words them differently, and on a cluster ID conflict it only logs and
// keeps running, where etcd 2.0 exits: each flavor is held to its own text.
// CLUSTER_FLAVOR=reference runs it against Debian's etcd.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Cluster } from '../../src/discovery/cluster.js';
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
  return ours
    ? start(process.execPath, [OUR_ETCD, ...args])
    : start(REFERENCE_ETCD, [...args, '--enable-v2=true']);
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
      ours: 'etcd: a not listed in the initial cluster config',
      reference: `etcdmain: couldn't find local name "a" in the initial cluster configuration`,
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
        reference: `etcdmain: --initial-cluster has a2=${a.peerUrl} but missing from --initial-advertise-peer-urls=${https} (resolved urls: "${https}" != "${a.peerUrl}")`,
      },
    );
    const [port] = await reservePorts(1);
    const elsewhere = `http://127.0.0.1:${port}`;
    await expectRefused(memberArgs(a, `a2=${elsewhere}`, 'tok', 'new', TUNING), a.dataDir, {
      ours: 'etcd: a2 has different advertised URLs in the cluster and advertised peer URLs list',
      reference: `etcdmain: --initial-cluster has a2=${elsewhere} but missing from --initial-advertise-peer-urls=${a.peerUrl} (resolved urls: "${a.peerUrl}" != "${elsewhere}")`,
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
          'etcdmain: cannot fetch cluster info from peer urls: could not retrieve cluster information from the given URLs',
      },
    );
  });

  describe('against a running cluster', () => {
    let c: TestCluster;
    let clusterId = '';
    let snapshot = '';
    let conflicting: MemberSpec;
    /** Members list and a key with its index: what "nothing written" compares. */
    const state = async () => {
      const u = c.members[0]!.clientUrl;
      const members = (await request('GET', `${u}/v2/members`)).body;
      const r = await getKey(u, 'boot', true);
      return `${members}|${r.headers['x-etcd-index']}|${r.body}`;
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
      const p = launch(memberArgs(conflicting, initial, c.token, 'new', TUNING));
      if (ours) {
        const { code, out } = await exitOf(p);
        const want = `etcd: conflicting cluster ID to the target cluster (${clusterId} != ${local}). Exiting.`;
        assert.ok(hasLine(out, want), `expected a line ending with\n  ${want}\ngot:\n${tail(out)}`);
        assert.equal(code, 1, `exit status:\n${tail(out)}`);
      } else {
        // etcd 3.4 logs the refusal at every attempt and keeps running.
        const ids = await memberIds(c.members[0]!.clientUrl);
        const re = new RegExp(
          `rafthttp: request sent was ignored \\(cluster ID mismatch: (?:peer|remote)\\[(${ids.get('m0')}|${ids.get('m1')})\\]=${clusterId}, local=${local}\\)`,
        );
        await logged(p, re);
      }
      await heal();
      assert.equal(await state(), snapshot, 'the running cluster changed');
    });

    it("a member restarted on another cluster's data dir", async () => {
      // The data dir the previous case left: a WAL of the other cluster, whose members
      // include m0 and m1 of the running one.
      assert.notDeepEqual(
        filesEnding(conflicting.dataDir, ['.wal']),
        [],
        'precondition: a WAL of the other cluster',
      );
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
        const want = `etcd: conflicting cluster ID to the target cluster (${clusterId} != ${local}). Exiting.`;
        assert.ok(hasLine(out, want), `expected a line ending with\n  ${want}\ngot:\n${tail(out)}`);
        assert.equal(code, 1, `exit status:\n${tail(out)}`);
      } else {
        // It refuses the cluster's messages, or the cluster refuses its own.
        const re = new RegExp(
          `cluster ID mismatch(?:: (?:peer|remote)\\[[0-9a-f]+\\]=${clusterId}, local=${local}\\)| \\(got ${clusterId} want ${local}\\))`,
        );
        await logged(p, re);
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
          reference: `etcdmain: member ${id} has already been bootstrapped`,
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
