// Help pages laid out as urfave/cli v1 renders them (text/template through a tabwriter
// with two spaces of padding), so `etcdctl help ...` reads as etcd's.
import type { FlagDef } from './goflag.js';
import type { CommandSpec } from './spec.js';
import { VERSION } from './version.js';

/** One tabwriter block: the left column padded to the widest cell plus two spaces. */
export function table(rows: readonly (readonly [string, string])[]): string[] {
  let w = 0;
  for (const [l] of rows) w = Math.max(w, l.length);
  return rows.map(([l, r]) => `${l.padEnd(w + 2)}${r}`);
}

export function flagLeft(d: FlagDef): string {
  return d.names
    .map((n) => `${n.length === 1 ? '-' : '--'}${n}${d.kind === 'bool' ? '' : ' value'}`)
    .join(', ');
}

export function flagRight(d: FlagDef): string {
  if (d.kind === 'int') return `${d.usage} (default: ${d.value ?? 0})`;
  if (d.kind === 'string' && typeof d.value === 'string' && d.value !== '') {
    return `${d.usage} (default: ${JSON.stringify(d.value)})`;
  }
  return d.usage;
}

/** `etcdctl help <command>` (and `<command> -h`). */
export function commandHelp(c: CommandSpec, helpName: string): string {
  const args = c.argsUsage !== '' ? c.argsUsage : '[arguments...]';
  let s = `NAME:\n   ${helpName} - ${c.usage}\n\nUSAGE:\n   ${helpName}`;
  s += c.flags.length > 0 ? ` [command options] ${args}` : ` ${args}`;
  if (c.description !== undefined) s += `\n\nDESCRIPTION:\n   ${c.description}`;
  if (c.flags.length > 0) {
    const rows = table(c.flags.map((f) => [flagLeft(f), flagRight(f)]));
    s += `\n\nOPTIONS:\n   ${rows.join('\n   ')}\n   `;
  }
  return `${s}\n`;
}

const GLOBAL_ROWS: [string, string][] = [
  ['--debug', 'output cURL commands which can be used to reproduce the request'],
  ['--no-sync', "don't synchronize cluster information before sending request"],
  [
    '--output simple, -o simple',
    'output response in the given format (simple, `extended` or `json`) (default: "simple")',
  ],
  [
    '--discovery-srv value, -D value',
    'domain name to query for SRV records describing cluster endpoints',
  ],
  ['--insecure-discovery', 'accept insecure SRV records describing cluster endpoints'],
  ['--peers value, -C value', 'DEPRECATED - "--endpoints" should be used instead'],
  ['--endpoint value', 'DEPRECATED - "--endpoints" should be used instead'],
  [
    '--endpoints value',
    'a comma-delimited list of machine addresses in the cluster (default: "http://127.0.0.1:2379,http://127.0.0.1:4001")',
  ],
  ['--cert-file value', 'identify HTTPS client using this SSL certificate file'],
  ['--key-file value', 'identify HTTPS client using this SSL key file'],
  ['--ca-file value', 'verify certificates of HTTPS-enabled servers using this CA bundle'],
  [
    '--username value, -u value',
    'provide username[:password] and prompt if password is not supplied.',
  ],
  ['--timeout value', 'connection timeout per request (default: 2s)'],
  ['--total-timeout value', 'timeout for the command execution (except watch) (default: 5s)'],
  ['--help, -h', 'show help'],
  ['--version, -v', 'print the version'],
];

/** `etcdctl help`, `etcdctl -h`, and the page after a global usage error. */
export function appHelp(commands: readonly CommandSpec[]): string {
  const cmdRows: [string, string][] = commands.map((c) => [
    [c.name, ...(c.aliases ?? [])].join(', '),
    c.usage,
  ]);
  cmdRows.push(['help, h', 'Shows a list of commands or help for one command']);
  return (
    'NAME:\n   etcdctl - A simple command line client for etcd.\n\n' +
    'USAGE:\n   etcdctl [global options] command [command options] [arguments...]\n\n' +
    `VERSION:\n   ${VERSION}\n\n` +
    `COMMANDS:\n   ${table(cmdRows).join('\n   ')}\n\n` +
    `GLOBAL OPTIONS:\n   ${table(GLOBAL_ROWS).join('\n   ')}\n`
  );
}

function subRows(c: CommandSpec): string {
  return table((c.subcommands ?? []).map((s) => [s.name, s.usage])).join('\n   ');
}

/** `etcdctl member` without a subcommand. */
export function subcommandHelp(c: CommandSpec): string {
  return (
    `NAME:\n   etcdctl ${c.name} - ${c.usage}\n\n` +
    `USAGE:\n   etcdctl ${c.name} command [command options] [arguments...]\n\n` +
    `COMMANDS:\n   ${subRows(c)}\n\n` +
    'OPTIONS:\n   --help, -h  show help\n   \n'
  );
}

/** `etcdctl member help`. */
export function subcommandAppHelp(c: CommandSpec): string {
  return (
    `NAME:\n   etcdctl ${c.name} - ${c.usage}\n\n` +
    `USAGE:\n   etcdctl ${c.name} [global options] command [command options] [arguments...]\n\n` +
    `VERSION:\n   ${VERSION}\n\n` +
    `COMMANDS:\n   ${subRows(c)}\n\n` +
    'GLOBAL OPTIONS:\n   --help, -h  show help\n'
  );
}
