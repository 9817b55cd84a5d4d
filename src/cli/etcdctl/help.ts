// Help pages as 2.0.13's etcdctl prints them: codegangsta/cli's templates of that era
// rendered through text/tabwriter (minwidth 0, tabwidth 8, padding 1, padded with tabs).
import type { FlagDef } from './goflag.js';
import type { CommandSpec } from './spec.js';
import { VERSION } from './version.js';

const TAB_WIDTH = 8;

/**
 * text/tabwriter with '\t' padding: a cell ends at a tab; the cells of one column in
 * consecutive lines form a block as wide as its widest cell plus one, rounded up to a
 * multiple of 8, and each cell is padded to it with tabs. The last cell is not aligned.
 */
export function tabwrite(text: string): string {
  const lines = text.split('\n').map((l) => l.split('\t'));
  const widths: number[][] = lines.map(() => []);
  const maxCol = Math.max(...lines.map((c) => c.length - 1));
  for (let col = 0; col < maxCol; col++) {
    let i = 0;
    while (i < lines.length) {
      if (lines[i]!.length - 1 <= col) {
        i++;
        continue;
      }
      let j = i;
      let w = 0;
      while (j < lines.length && lines[j]!.length - 1 > col) {
        w = Math.max(w, lines[j]![col]!.length + 1);
        j++;
      }
      const rounded = Math.ceil(w / TAB_WIDTH) * TAB_WIDTH;
      for (let k = i; k < j; k++) widths[k]![col] = rounded;
      i = j;
    }
  }
  return lines
    .map((cells, li) =>
      cells
        .map((c, ci) => {
          if (ci === cells.length - 1) return c;
          const n = widths[li]![ci]! - c.length;
          return c + '\t'.repeat(Math.ceil(n / TAB_WIDTH));
        })
        .join(''),
    )
    .join('\n');
}

function prefixedNames(names: readonly string[]): string {
  return names.map((n) => `${n.length === 1 ? '-' : '--'}${n}`).join(', ');
}

/** codegangsta/cli's Flag.String() of that era. */
export function flagLine(d: FlagDef): string {
  const names = prefixedNames(d.names);
  if (d.kind === 'bool') return `${names}\t${d.usage}`;
  if (d.kind === 'string') {
    const v = d.shownValue ?? (typeof d.value === 'string' ? d.value : '');
    return v !== '' ? `${names} '${v}'\t${d.usage}` : `${names} \t${d.usage}`;
  }
  return `${names} '${d.value ?? 0}'\t${d.usage}`;
}

const HELP_ROW = 'help, h\tShows a list of commands or help for one command';

function commandRows(commands: readonly CommandSpec[]): string {
  return [
    ...commands.map((c) => `${[c.name, ...(c.aliases ?? [])].join(', ')}\t${c.usage}`),
    HELP_ROW,
  ]
    .map((r) => `${r}\n   `)
    .join('');
}

function flagRows(flags: readonly FlagDef[]): string {
  return flags.map((f) => `${flagLine(f)}\n   `).join('');
}

/** AppHelpTemplate: `etcdctl help`, `etcdctl -h`, and after a global usage error. */
export function appHelp(
  name: string,
  usage: string,
  version: string,
  commands: readonly CommandSpec[],
  flags: readonly FlagDef[],
): string {
  return tabwrite(
    `NAME:\n   ${name} - ${usage}\n\nUSAGE:\n   ${name} [global options] command [command options] [arguments...]\n\n` +
      `VERSION:\n   ${version}\n\nCOMMANDS:\n   ${commandRows(commands)}\n` +
      `GLOBAL OPTIONS:\n   ${flagRows(flags)}\n`,
  );
}

/** CommandHelpTemplate: `etcdctl help <command>` and `<command> -h`. */
export function commandHelp(c: CommandSpec): string {
  const hasFlags = c.flags.length > 0;
  let s = `NAME:\n   ${c.name} - ${c.usage}\n\nUSAGE:\n   command ${c.name}`;
  s += hasFlags ? ' [command options] [arguments...]' : ' [arguments...]';
  if (c.description !== undefined) s += `\n\nDESCRIPTION:\n   ${c.description}`;
  if (hasFlags) s += `\n\nOPTIONS:\n   ${flagRows(c.flags)}`;
  return tabwrite(`${s}\n`);
}

/** SubcommandHelpTemplate: `etcdctl member`. */
export function subcommandHelp(c: CommandSpec, helpFlag: FlagDef): string {
  return tabwrite(
    `NAME:\n   etcdctl ${c.name} - ${c.usage}\n\n` +
      `USAGE:\n   etcdctl ${c.name} command [command options] [arguments...]\n\n` +
      `COMMANDS:\n   ${commandRows(c.subcommands ?? [])}\n` +
      `OPTIONS:\n   ${flagRows([helpFlag])}\n`,
  );
}

export { VERSION };
