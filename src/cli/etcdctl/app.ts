// The command line as urfave/cli v1 runs etcdctl: global flags, then a command (or
// `help`), a sub-application for `member`, usage errors printed with the help page.
import { backupCommand } from './commands/backup.js';
import { clusterHealthCommand } from './commands/cluster-health.js';
import { execWatchCommand } from './commands/exec-watch.js';
import { getCommand } from './commands/get.js';
import { lsCommand } from './commands/ls.js';
import { memberCommand } from './commands/member.js';
import { mkCommand } from './commands/mk.js';
import { mkdirCommand, setdirCommand } from './commands/mkdir.js';
import { rmCommand } from './commands/rm.js';
import { rmdirCommand } from './commands/rmdir.js';
import { setCommand } from './commands/set.js';
import { updateCommand } from './commands/update.js';
import { updatedirCommand } from './commands/updatedir.js';
import { watchCommand } from './commands/watch.js';
import { Ctl, Exit } from './context.js';
import { type FlagDef, FlagError, FlagValues, parseGoFlags, reorderArgs } from './goflag.js';
import { appHelp, commandHelp, subcommandAppHelp, subcommandHelp } from './help.js';
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
];

const HELP_FLAG: FlagDef = { names: ['help', 'h'], kind: 'bool', usage: 'show help' };

export const GLOBAL_FLAGS: FlagDef[] = [
  { names: ['debug'], kind: 'bool', usage: '' },
  { names: ['no-sync'], kind: 'bool', usage: '' },
  { names: ['output', 'o'], kind: 'string', usage: '', value: 'simple' },
  { names: ['discovery-srv', 'D'], kind: 'string', usage: '' },
  { names: ['insecure-discovery'], kind: 'bool', usage: '' },
  { names: ['peers', 'C'], kind: 'string', usage: '' },
  { names: ['endpoint'], kind: 'string', usage: '' },
  { names: ['endpoints'], kind: 'string', usage: '' },
  { names: ['cert-file'], kind: 'string', usage: '' },
  { names: ['key-file'], kind: 'string', usage: '' },
  { names: ['ca-file'], kind: 'string', usage: '' },
  { names: ['username', 'u'], kind: 'string', usage: '' },
  { names: ['timeout'], kind: 'duration', usage: '', value: 2000 },
  { names: ['total-timeout'], kind: 'duration', usage: '', value: 5000 },
  HELP_FLAG,
  { names: ['version', 'v'], kind: 'bool', usage: '' },
];

export interface Io {
  out(s: string): void;
  err(s: string): void;
  readStdin(): Promise<string>;
}

function findCommand(list: readonly CommandSpec[], name: string): CommandSpec | undefined {
  return list.find((c) => c.name === name || (c.aliases ?? []).includes(name));
}

function noHelpTopic(io: Io, name: string): number {
  io.err(`No help topic for '${name}'\n`);
  return 3;
}

async function runCommand(
  ctl: Ctl,
  io: Io,
  cmd: CommandSpec,
  args: string[],
  helpName: string,
): Promise<number> {
  if (cmd.subcommands !== undefined) return runSubApp(ctl, io, cmd, args);
  const defs = [...cmd.flags, HELP_FLAG];
  let parsed: ReturnType<typeof parseGoFlags>;
  try {
    parsed = parseGoFlags(defs, reorderArgs(defs, args));
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    io.out(`Incorrect Usage: ${e.message}\n\n`);
    io.out(commandHelp(cmd, helpName));
    io.err(`${e.message}\n`);
    return 1;
  }
  const flags = new FlagValues(parsed.values);
  if (flags.bool('help')) {
    io.out(commandHelp(cmd, helpName));
    return 0;
  }
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
    io.out(`Incorrect Usage. ${e.message}\n\n`);
    io.out(subcommandHelp(cmd));
    io.err(`${e.message}\n`);
    return 1;
  }
  if (parsed.values.get('help') === true || parsed.args.length === 0) {
    io.out(subcommandHelp(cmd));
    return 0;
  }
  const [name, ...rest] = parsed.args as [string, ...string[]];
  if (name === 'help' || name === 'h') {
    if (rest.length === 0) {
      io.out(subcommandAppHelp(cmd));
      return 0;
    }
    const sub = findCommand(subs, rest[0]!);
    if (sub === undefined) return noHelpTopic(io, rest[0]!);
    io.out(commandHelp(sub, `etcdctl ${cmd.name} ${sub.name}`));
    return 0;
  }
  const sub = findCommand(subs, name);
  if (sub === undefined) return noHelpTopic(io, name);
  return runCommand(ctl, io, sub, rest, `etcdctl ${cmd.name} ${sub.name}`);
}

/** Runs etcdctl with `argv` (without the program name); resolves with the exit code. */
export async function run(argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  let parsed: ReturnType<typeof parseGoFlags>;
  try {
    parsed = parseGoFlags(GLOBAL_FLAGS, argv);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    io.out(`Incorrect Usage. ${e.message}\n\n`);
    io.out(appHelp(COMMANDS));
    io.err(`${e.message}\n`);
    return 1;
  }
  const global = new FlagValues(parsed.values);
  if (global.bool('help')) {
    io.out(appHelp(COMMANDS));
    return 0;
  }
  if (global.bool('version')) {
    io.out(`etcdctl version: ${VERSION}\nAPI version: 2\n`);
    return 0;
  }
  const args = parsed.args;
  if (args.length === 0) {
    io.out(appHelp(COMMANDS));
    return 0;
  }
  const name = args[0]!;
  if (name === 'help' || name === 'h') {
    if (args.length === 1) {
      io.out(appHelp(COMMANDS));
      return 0;
    }
    const c = findCommand(COMMANDS, args[1]!);
    if (c === undefined) return noHelpTopic(io, args[1]!);
    io.out(commandHelp(c, `etcdctl ${c.name}`));
    return 0;
  }
  const cmd = findCommand(COMMANDS, name);
  if (cmd === undefined) return noHelpTopic(io, name);
  const ctl = new Ctl(global, env, io.out, io.err, io.readStdin);
  try {
    return await runCommand(ctl, io, cmd, args.slice(1), `etcdctl ${cmd.name}`);
  } catch (e) {
    if (e instanceof Exit) return e.code;
    throw e;
  } finally {
    ctl.close();
  }
}
