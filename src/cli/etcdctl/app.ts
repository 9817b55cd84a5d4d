// The command line as 2.0.13's etcdctl (codegangsta/cli of that era) runs it: global
// flags, then a command (or `help`), a sub-application for `member`; a usage error prints
// `Incorrect Usage.` and the help page on stdout and still exits 0, as there.
import { backupCommand } from './commands/backup.js';
import { clusterHealthCommand } from './commands/cluster-health.js';
import { execWatchCommand } from './commands/exec-watch.js';
import { getCommand } from './commands/get.js';
import { lsCommand } from './commands/ls.js';
import { memberCommand } from './commands/member.js';
import { importCommand } from './commands/import-snap.js';
import { mkdirCommand, setdirCommand, updatedirCommand } from './commands/mkdir.js';
import { rmCommand } from './commands/rm.js';
import { rmdirCommand } from './commands/rmdir.js';
import { mkCommand, setCommand, updateCommand } from './commands/set.js';
import { watchCommand } from './commands/watch.js';
import { Ctl, Exit } from './context.js';
import {
  boolFlag,
  commandArgs,
  type FlagDef,
  FlagError,
  FlagValues,
  parseGoFlags,
  stringFlag,
  twoForms,
} from './goflag.js';
import { appHelp, commandHelp, subcommandHelp } from './help.js';
import type { CommandSpec } from './spec.js';
import { VERSION } from './version.js';

export const COMMANDS: CommandSpec[] = [
  backupCommand,
  clusterHealthCommand,
  mkCommand,
  mkdirCommand,
  rmCommand,
  rmdirCommand,
  getCommand,
  lsCommand,
  setCommand,
  setdirCommand,
  updateCommand,
  updatedirCommand,
  watchCommand,
  execWatchCommand,
  memberCommand,
  importCommand,
];

const HELP_FLAG = boolFlag(['help', 'h'], 'show help');
const VERSION_FLAG = boolFlag(['version', 'v'], 'print the version');

export const GLOBAL_FLAGS: FlagDef[] = [
  boolFlag('debug', 'output cURL commands which can be used to reproduce the request'),
  boolFlag('no-sync', "don't synchronize cluster information before sending request"),
  stringFlag(
    ['output', 'o'],
    'output response in the given format (`simple`, `extended` or `json`)',
    'simple',
  ),
  stringFlag(
    ['peers', 'C'],
    'a comma-delimited list of machine addresses in the cluster (default: "127.0.0.1:4001")',
  ),
  stringFlag('cert-file', 'identify HTTPS client using this SSL certificate file'),
  stringFlag('key-file', 'identify HTTPS client using this SSL key file'),
  stringFlag('ca-file', 'verify certificates of HTTPS-enabled servers using this CA bundle'),
  HELP_FLAG,
  VERSION_FLAG,
];

const APP_USAGE = 'A simple command line client for etcd.';

export interface Io {
  out(s: string): void;
  err(s: string): void;
  readStdin(): Promise<string>;
}

function findCommand(list: readonly CommandSpec[], name: string): CommandSpec | undefined {
  return list.find((c) => c.name === name || (c.aliases ?? []).includes(name));
}

function mainHelp(): string {
  return appHelp('etcdctl', APP_USAGE, VERSION, COMMANDS, GLOBAL_FLAGS);
}

/** ShowCommandHelp: the command's page, or `No help topic` (on stdout). */
function showCommandHelp(io: Io, list: readonly CommandSpec[], name: string): number {
  const c = findCommand(list, name);
  io.out(c === undefined ? `No help topic for '${name}'\n` : commandHelp(c));
  return 0;
}

async function runCommand(
  ctl: Ctl,
  io: Io,
  list: readonly CommandSpec[],
  cmd: CommandSpec,
  args: string[],
): Promise<number> {
  if (cmd.subcommands !== undefined) return runSubApp(ctl, io, cmd, args);
  const defs = [...cmd.flags, HELP_FLAG];
  let parsed: ReturnType<typeof parseGoFlags>;
  try {
    parsed = parseGoFlags(defs, commandArgs(args));
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    io.out(`Incorrect Usage.\n\n${commandHelp(cmd)}\n`);
    return 0;
  }
  const flags = new FlagValues(parsed.values);
  if (flags.bool('help')) return showCommandHelp(io, list, cmd.name);
  if (cmd.action === undefined) return 0;
  await cmd.action(ctl, flags, parsed.args);
  return 0;
}

/** A command with subcommands runs as its own small application (`member`). */
async function runSubApp(ctl: Ctl, io: Io, cmd: CommandSpec, args: string[]): Promise<number> {
  const subs = cmd.subcommands ?? [];
  let parsed: ReturnType<typeof parseGoFlags>;
  try {
    parsed = parseGoFlags([HELP_FLAG], args);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    io.out(`Incorrect Usage.\n\n${subcommandHelp(cmd, HELP_FLAG)}`);
    return 0;
  }
  const twice = twoForms([HELP_FLAG], parsed);
  if (twice !== null) {
    io.out(`${twice}\n${subcommandHelp(cmd, HELP_FLAG)}\n`);
    return 0;
  }
  if (parsed.values.get('help') === true || parsed.args.length === 0) {
    io.out(subcommandHelp(cmd, HELP_FLAG));
    return 0;
  }
  const [name, ...rest] = parsed.args as [string, ...string[]];
  if (name === 'help' || name === 'h') {
    if (rest.length > 0) return showCommandHelp(io, subs, rest[0]!);
    io.out(appHelp(`etcdctl ${cmd.name}`, cmd.usage, '0.0.0', subs, [HELP_FLAG]));
    return 0;
  }
  const sub = findCommand(subs, name);
  if (sub === undefined) return showCommandHelp(io, subs, name);
  return runCommand(ctl, io, subs, sub, rest);
}

/** Runs etcdctl with `argv` (without the program name); resolves with the exit code. */
export async function run(argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  let parsed: ReturnType<typeof parseGoFlags>;
  try {
    parsed = parseGoFlags(GLOBAL_FLAGS, argv);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    io.out(`Incorrect Usage.\n\n${mainHelp()}\n`);
    return 0;
  }
  const twice = twoForms(GLOBAL_FLAGS, parsed);
  if (twice !== null) {
    io.out(`${twice}\n${mainHelp()}\n`);
    return 0;
  }
  const global = new FlagValues(parsed.values);
  if (global.bool('help')) {
    io.out(mainHelp());
    return 0;
  }
  if (global.bool('version')) {
    io.out(`etcdctl version ${VERSION}\n`);
    return 0;
  }
  const args = parsed.args;
  const name = args[0];
  if (name === undefined) {
    io.out(mainHelp());
    return 0;
  }
  if (name === 'help' || name === 'h') {
    if (args.length === 1) {
      io.out(mainHelp());
      return 0;
    }
    return showCommandHelp(io, COMMANDS, args[1]!);
  }
  const cmd = findCommand(COMMANDS, name);
  if (cmd === undefined) return showCommandHelp(io, COMMANDS, name);
  const ctl = new Ctl(global, env, io.out, io.err, io.readStdin);
  try {
    return await runCommand(ctl, io, COMMANDS, cmd, args.slice(1));
  } catch (e) {
    if (e instanceof Exit) return e.code;
    throw e;
  } finally {
    ctl.close();
  }
}
