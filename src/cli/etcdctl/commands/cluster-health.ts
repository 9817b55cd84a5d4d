// etcdctl cluster-health as 2.0.13 checks it: a leader's /v2/stats/leader, the raft index
// moving within a second at a steady term, then each follower's append count growing.
import { Client, type LeaderStats, NoEndpointsError } from '../../../client/index.js';
import { type Ctl, ExitBadConnection, ExitServerError } from '../context.js';
import type { CommandSpec } from '../spec.js';

type Tls = ReturnType<Ctl['readTls']>;

/** getLeaderStats: the first endpoint answering 200 with leader stats. */
async function leaderStats(
  endpoints: readonly string[],
  tls: Tls,
): Promise<{ ep: string; ls: LeaderStats } | null> {
  for (const ep of endpoints) {
    let c: Client;
    try {
      c = new Client({ endpoints: [ep], tls, timeout: 0 });
    } catch {
      continue;
    }
    try {
      const ls = await c.leaderStats();
      if (typeof ls === 'object' && ls !== null) return { ep, ls };
    } catch {
      // the next endpoint
    } finally {
      c.close();
    }
  }
  return null;
}

export const clusterHealthCommand: CommandSpec = {
  name: 'cluster-health',
  usage: 'check the health of the etcd cluster',
  argsUsage: '',
  flags: [],
  async action(ctl: Ctl) {
    const c = ctl.newClient((e) => ctl.handleError(ExitServerError, e));
    const eps = c.endpoints();
    let cl: string[];
    try {
      await c.sync();
      cl = c.endpoints();
    } catch (e) {
      // No published client URLs: go-etcd's machine list is one empty string.
      if (e instanceof NoEndpointsError) cl = [''];
      else
        ctl.handleError(
          ExitBadConnection,
          new Error(`cannot sync with the cluster using endpoints ${eps.join(', ')}`),
        );
    }
    const tls = ctl.readTls();
    const unhealthy = (): never => {
      ctl.out('cluster is unhealthy\n');
      ctl.exit(1);
    };
    const first = await leaderStats(cl, tls);
    if (first === null) {
      ctl.out(`cluster may be unhealthy: failed to connect [${cl.join(' ')}]\n`);
      ctl.exit(1);
    }
    const one = new Client({ endpoints: [first.ep], tls, timeout: 0 });
    try {
      const r0 = await one.get('/').catch(unhealthy);
      await new Promise((r) => setTimeout(r, 1000));
      const r1 = await one.get('/').catch(unhealthy);
      if (r0.raftTerm !== r1.raftTerm || r0.raftIndex === r1.raftIndex) unhealthy();
    } finally {
      one.close();
    }
    const second = await leaderStats([first.ep], tls);
    if (second === null) return unhealthy();
    ctl.out('cluster is healthy\n');
    const prints = [`member ${second.ls.leader} is healthy\n`];
    for (const [name, fs0] of Object.entries(first.ls.followers ?? {})) {
      const fs1 = second.ls.followers?.[name];
      if (fs1 === undefined) {
        ctl.out('Cluster configuration changed during health checking. Please retry.\n');
        ctl.exit(1);
      }
      const grew = fs1.counts.success > fs0.counts.success;
      prints.push(`member ${name} is ${grew ? 'healthy' : 'unhealthy'}\n`);
    }
    prints.sort();
    for (const p of prints) ctl.out(p);
  },
};
