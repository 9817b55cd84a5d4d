// member list/add/remove and cluster-health on a 3-member cluster, 2.0.13's etcdctl
// and ours side by side (membership changes run one tool after the other).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Flavor, startCluster, type TestCluster } from '../helpers/cluster.js';
import { reservePort } from '../helpers/ports.js';
import { referenceSkip } from '../helpers/reference.js';
import { normalise, ours, type RunResult, reference } from './run.js';
import { compareSteps } from './scenario.js';

const skip = referenceSkip();
const servers = (process.env.ETCDCTL_CLUSTERS ?? 'reference,ours').split(',') as Flavor[];

function samePeer(r: RunResult, peer: string): RunResult {
  return {
    stdout: r.stdout.replaceAll(peer, 'PEER'),
    stderr: r.stderr.replaceAll(peer, 'PEER'),
    code: r.code,
  };
}

/** The Go client shuffles the endpoints it syncs, so which member it tried first is random. */
function clean(r: RunResult): RunResult {
  const un = (s: string) =>
    normalise(s)
      .replace(/etcd member http:\/\/[0-9.:]+ /g, 'etcd member URL ')
      .replace(/^[0-9a-f]+: name= /gm, 'X: name= ')
      .replace(/ID of [0-9a-f]+\./g, 'ID of X.')
      .replace(
        /^(ETCD_INITIAL_CLUSTER=")([^"]*)"$/gm,
        (_m, k: string, v: string) => `${k}${v.split(',').sort().join(',')}"`,
      );
  // A new member's ID (random) decides its place in the list.
  const sorted = (s: string) => s.split('\n').sort().join('\n');
  return { stdout: sorted(un(r.stdout)), stderr: un(r.stderr), code: r.code };
}

for (const flavor of servers)
  describe(`etcdctl member and cluster-health (${flavor} 3-member cluster)`, { skip }, () => {
    let cluster: TestCluster;
    let ep: string[];
    before(async () => {
      cluster = await startCluster(3, { flavor });
      ep = ['--peers', cluster.members[0]!.clientUrl];
    });
    after(async () => {
      await cluster?.close();
    });

    test('member list, remove by name, update, cluster-health', async () => {
      const m1 = (await reference([...ep, 'member', 'list'])).stdout
        .split('\n')
        .find((l) => l.includes('name=m1'));
      assert.ok(m1 !== undefined);
      const id = m1.slice(0, m1.indexOf(':'));
      await compareSteps(ep, [
        { args: ['member', 'list'] },
        { args: ['member', 'remove', 'm1'] },
        { args: ['member', 'update', id, cluster.members[1]!.peerUrl] },
        { args: ['member', 'update', 'ffff', cluster.members[1]!.peerUrl] },
        { args: ['member', 'update', id, 'not-a-url'] },
        { args: ['cluster-health'] },
      ]);
    });

    test('member add prints the new member environment; member remove removes it', async () => {
      // Each tool adds its own peer URL: an ID comes from the peer URLs and the time in
      // seconds, so re-adding a URL removed in the same second would meet the old ID.
      const peers = [
        `http://127.0.0.1:${await reservePort()}`,
        `http://127.0.0.1:${await reservePort()}`,
      ];
      // A membership change refused as "no leader" (a cluster still settling) is repeated
      // until it is accepted; refused attempts change nothing.
      const addUntilAccepted = async (run: typeof reference, peer: string): Promise<RunResult> => {
        const deadline = Date.now() + 30_000;
        for (;;) {
          const r = await run([...ep, '--no-sync', 'member', 'add', 'extra', peer]);
          if (r.code === 0 || Date.now() > deadline || !r.stderr.includes('has no leader'))
            return r;
        }
      };
      const flow = async (run: typeof reference, peer: string): Promise<RunResult[]> => {
        const out: RunResult[] = [];
        out.push(await addUntilAccepted(run, peer));
        // --no-sync throughout: the member that answered a change (after applying it)
        // lists it; a synced etcdctl may ask another that has not applied it yet.
        out.push(await run([...ep, '--no-sync', 'member', 'list']));
        const id = /with ID ([0-9a-f]+) /.exec(out[0]!.stdout)?.[1] ?? 'none';
        out.push(await run([...ep, '--no-sync', 'member', 'remove', id]));
        out.push(await run([...ep, '--no-sync', 'member', 'remove', id]));
        return out;
      };
      const r = (await flow(reference, peers[0]!)).map((x) => samePeer(x, peers[0]!));
      const o = (await flow(ours, peers[1]!)).map((x) => samePeer(x, peers[1]!));
      assert.match(
        r[0]!.stdout,
        /^Added member named extra with ID [0-9a-f]+ to cluster\n\nETCD_NAME="extra"\nETCD_INITIAL_CLUSTER=".*extra=PEER/,
      );
      assert.match(r[0]!.stdout, /\nETCD_INITIAL_CLUSTER_STATE="existing"\n$/);
      for (let i = 0; i < r.length; i++) {
        assert.deepEqual(clean(o[i]!), clean(r[i]!), `step ${i}`);
      }
    });

    test('cluster-health and member list with a member down', async () => {
      // A follower goes down (not the leader: the health answers would then depend on
      // how far the election has got when each etcdctl asks).
      const leader = await cluster.leader();
      assert.ok(leader >= 0, 'no leader');
      const victim = [2, 1, 0].find((i) => i !== leader && i !== 0)!;
      await cluster.stopMember(victim, 'SIGKILL');
      await compareSteps(ep, [{ args: ['cluster-health'] }, { args: ['member', 'list'] }]);
    });
  });
