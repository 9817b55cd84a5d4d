// etcdctl member list|add|remove|update
import type { Client, Member } from '../../../client/index.js';
import { parseEtcdUrl } from '../../../pkg/urls.js';
import type { Ctl } from '../context.js';
import type { FlagValues } from '../goflag.js';
import type { CommandSpec } from '../spec.js';

function fail(ctl: Ctl, msg: string): never {
  ctl.err(`${msg}\n`);
  ctl.exit(1);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** types.NewURLs of etcd 3.4 (which also admits unix sockets). */
function checkPeerUrls(urls: string[]): void {
  for (const raw of urls) {
    const inStr = raw.trim();
    try {
      parseEtcdUrl(inStr);
    } catch (e) {
      const m = message(e);
      if (m.startsWith('URL scheme must be'))
        throw new Error(`URL scheme must be http, https, unix, or unixs: ${inStr}`);
      throw e;
    }
  }
}

async function membersClient(ctl: Ctl): Promise<{ c: Client; signal: AbortSignal }> {
  const c = await ctl.client();
  return { c, signal: ctl.totalTimeout() };
}

const list: CommandSpec = {
  name: 'list',
  usage: 'enumerate existing cluster members',
  argsUsage: ' ',
  flags: [],
  async action(ctl: Ctl, _flags: FlagValues, args: string[]) {
    if (args.length !== 0) fail(ctl, 'No arguments accepted');
    const { c, signal } = await membersClient(ctl);
    let members: Member[];
    try {
      members = await c.members({ signal });
    } catch (e) {
      fail(ctl, message(ctl.deadline(e, signal)));
    }
    let leader: Member;
    try {
      leader = await c.leader({ signal });
    } catch (e) {
      fail(ctl, `Failed to get leader:  ${message(ctl.deadline(e, signal))}`);
    }
    for (const m of members) {
      if (m.name === '' || m.name === undefined) {
        ctl.out(`${m.id}[unstarted]: peerURLs=${m.peerURLs.join(',')}\n`);
      } else {
        ctl.out(
          `${m.id}: name=${m.name} peerURLs=${m.peerURLs.join(',')} clientURLs=${(m.clientURLs ?? []).join(',')} isLeader=${m.id === leader.id}\n`,
        );
      }
    }
  },
};

const add: CommandSpec = {
  name: 'add',
  usage: 'add a new member to the etcd cluster',
  argsUsage: '<name> <peerURL>',
  flags: [],
  async action(ctl: Ctl, _flags: FlagValues, args: string[]) {
    if (args.length !== 2) fail(ctl, 'Provide a name and a single member peerURL');
    const { c, signal } = await membersClient(ctl);
    const newName = args[0]!;
    let m: Member;
    try {
      checkPeerUrls([args[1]!]);
      m = await c.addMember(args[1]!, { signal });
    } catch (e) {
      fail(ctl, message(ctl.deadline(e, signal)));
    }
    ctl.out(`Added member named ${newName} with ID ${m.id} to cluster\n`);
    let members: Member[];
    try {
      members = await c.members({ signal });
    } catch (e) {
      fail(ctl, message(ctl.deadline(e, signal)));
    }
    const conf: string[] = [];
    for (const mb of members) {
      for (const u of mb.peerURLs) conf.push(`${mb.id === m.id ? newName : mb.name}=${u}`);
    }
    ctl.out(
      `\nETCD_NAME=${JSON.stringify(newName)}\nETCD_INITIAL_CLUSTER=${JSON.stringify(conf.join(','))}\nETCD_INITIAL_CLUSTER_STATE="existing"\n`,
    );
  },
};

const remove: CommandSpec = {
  name: 'remove',
  usage: 'remove an existing member from the etcd cluster',
  argsUsage: '<memberID>',
  flags: [],
  async action(ctl: Ctl, _flags: FlagValues, args: string[]) {
    if (args.length !== 1) fail(ctl, 'Provide a single member ID');
    const id = args[0]!;
    const { c, signal } = await membersClient(ctl);
    let members: Member[];
    try {
      members = await c.members({ signal });
    } catch (e) {
      fail(
        ctl,
        `Error while verifying ID against known members: ${message(ctl.deadline(e, signal))}`,
      );
    }
    let found = false;
    for (const m of members) {
      if (m.id === id) found = true;
      if (m.name === id) {
        ctl.err(
          `Found a member named ${m.name}; if this is correct, please use its ID, eg:\n\tetcdctl member remove ${m.id}\n`,
        );
        ctl.err(
          'For more details, read the documentation at https://github.com/etcd-io/etcd/blob/master/Documentation/runtime-configuration.md#remove-a-member\n\n',
        );
      }
    }
    if (!found) fail(ctl, `Couldn't find a member in the cluster with an ID of ${id}.`);
    try {
      await c.removeMember(id, { signal });
    } catch (e) {
      ctl.err(
        `Received an error trying to remove member ${id}: ${message(ctl.deadline(e, signal))}`,
      );
      ctl.exit(1);
    }
    ctl.out(`Removed member ${id} from cluster\n`);
  },
};

const update: CommandSpec = {
  name: 'update',
  usage: 'update an existing member in the etcd cluster',
  argsUsage: '<memberID> <peerURLs>',
  flags: [],
  async action(ctl: Ctl, _flags: FlagValues, args: string[]) {
    if (args.length !== 2) {
      fail(
        ctl,
        'Provide an ID and a list of comma separated peerURL (0xabcd http://example.com,http://example1.com)',
      );
    }
    const { c, signal } = await membersClient(ctl);
    const urls = args[1]!.split(',');
    try {
      checkPeerUrls(urls);
      await c.updateMember(args[0]!, urls, { signal });
    } catch (e) {
      fail(ctl, message(ctl.deadline(e, signal)));
    }
    ctl.out(`Updated member with ID ${args[0]} in cluster\n`);
  },
};

export const memberCommand: CommandSpec = {
  name: 'member',
  usage: 'member add, remove and list subcommands',
  argsUsage: '',
  flags: [],
  subcommands: [list, add, remove, update],
};
