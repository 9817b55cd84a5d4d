// etcdctl member list|add|remove, as 2.0.13's etcdctl (its members-API client): every
// failure is one line on stderr and exit code 1.
import { type Client, ClusterError, NoEndpointsError } from '../../../client/index.js';
import { parseEtcdUrl } from '../../../pkg/urls.js';
import type { Ctl } from '../context.js';
import type { CommandSpec } from '../spec.js';

function fail(ctl: Ctl, msg: string): never {
  ctl.err(`${msg}\n`);
  ctl.exit(1);
}

/** The Go client's error text: after every endpoint failed, the last one's error. */
function message(e: unknown): string {
  if (e instanceof NoEndpointsError) return 'no endpoints available';
  if (e instanceof ClusterError && e.errors.length > 0)
    return e.errors[e.errors.length - 1]!.message;
  return e instanceof Error ? e.message : String(e);
}

/** mustNewMembersAPI: the client, synced through /v2/members unless --no-sync. */
async function membersClient(ctl: Ctl): Promise<Client> {
  const c = ctl.newClient((e) => fail(ctl, message(e)));
  if (!ctl.global.bool('no-sync')) {
    try {
      await c.sync();
    } catch (e) {
      fail(ctl, message(e));
    }
  }
  if (ctl.global.bool('debug')) ctl.err(`Cluster-Endpoints: ${c.endpoints().join(', ')}\n`);
  return c;
}

/** The call's result, or its error as one line (after `prefix`) and exit 1. */
async function orFail<T>(ctl: Ctl, call: () => Promise<T>, prefix = ''): Promise<T> {
  try {
    return await call();
  } catch (e) {
    fail(ctl, prefix + message(e));
  }
}

function subcommand(name: string, usage: string, action: CommandSpec['action']): CommandSpec {
  return { name, usage, argsUsage: '', flags: [], action };
}

const list = subcommand('list', 'enumerate existing cluster members', async (ctl, _flags, args) => {
  if (args.length !== 0) fail(ctl, 'No arguments accepted');
  const c = await membersClient(ctl);
  const members = await orFail(ctl, () => c.members());
  for (const m of members) {
    ctl.out(
      `${m.id}: name=${m.name ?? ''} peerURLs=${m.peerURLs.join(',')} clientURLs=${(m.clientURLs ?? []).join(',')}\n`,
    );
  }
});

const add = subcommand('add', 'add a new member to the etcd cluster', async (ctl, _flags, args) => {
  if (args.length !== 2) fail(ctl, 'Provide a name and a single member peerURL');
  const c = await membersClient(ctl);
  const newName = args[0]!;
  const m = await orFail(ctl, () => {
    parseEtcdUrl(args[1]!);
    return c.addMember(args[1]!.trim());
  });
  ctl.out(`Added member named ${newName} with ID ${m.id} to cluster\n`);
  const members = await orFail(ctl, () => c.members());
  const conf: string[] = [];
  for (const mb of members) {
    for (const u of mb.peerURLs) conf.push(`${mb.id === m.id ? newName : mb.name}=${u}`);
  }
  // The list may come from a member that has not applied the addition yet; the new member
  // must be in its own --initial-cluster, or it refuses to start ("member count is unequal").
  if (!members.some((mb) => mb.id === m.id)) {
    for (const u of m.peerURLs) conf.push(`${newName}=${u}`);
  }
  ctl.out(
    `\nETCD_NAME=${JSON.stringify(newName)}\nETCD_INITIAL_CLUSTER=${JSON.stringify(conf.join(','))}\nETCD_INITIAL_CLUSTER_STATE="existing"\n`,
  );
});

const remove = subcommand(
  'remove',
  'remove an existing member from the etcd cluster',
  async (ctl, _flags, args) => {
    if (args.length !== 1) fail(ctl, 'Provide a single member ID');
    const id = args[0]!;
    const c = await membersClient(ctl);
    const members = await orFail(
      ctl,
      () => c.members(),
      'Error while verifying ID against known members: ',
    );
    let found = false;
    for (const m of members) {
      if (m.id === id) found = true;
      if (m.name === id) {
        ctl.err(
          `Found a member named ${m.name}; if this is correct, please use its ID, eg:\n\tetcdctl member remove ${m.id}\n`,
        );
        ctl.err(
          'For more details, read the documentation at https://github.com/coreos/etcd/blob/master/Documentation/runtime-configuration.md#remove-a-member\n\n',
        );
      }
    }
    if (!found) fail(ctl, `Couldn't find a member in the cluster with an ID of ${id}.`);
    try {
      await c.removeMember(id);
    } catch (e) {
      // 2.0.13 spells it so and ends it without a newline.
      ctl.err(`Recieved an error trying to remove member ${id}: ${message(e)}`);
      ctl.exit(1);
    }
    ctl.out(`Removed member ${id} from cluster\n`);
  },
);

export const memberCommand: CommandSpec = {
  name: 'member',
  usage: 'member add, remove and list subcommands',
  argsUsage: '',
  flags: [],
  subcommands: [list, add, remove],
};
