// The benches' output: one row per figure, a column per implementation, and the ratios
// ours/2.0.13 and ours/3.4 (a ratio above 1 is better for rates, below 1 for times and
// memory). Implementations left out print "-".
import { cpus, loadavg } from 'node:os';
import type { Impl, ImplKey } from './impls.js';

export interface Row {
  figure: string;
  values: Partial<Record<ImplKey, number>>;
}

/** A line of text between rows (a note, e.g. the disk's fdatasync limit). */
export type Line = Row | string;

export function fmt(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return '-';
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 10) return n.toFixed(1);
  if (Math.abs(n) < 1) return n.toFixed(3);
  return n.toFixed(2);
}

function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !(b > 0) || Number.isNaN(a)) return '-';
  return (a / b).toFixed(2);
}

/** Prints a table's title and head; returns the printer of its rows (cells right-aligned). */
function printHead(
  title: string,
  figureWidth: number,
  cols: [string, number][],
): (figure: string, cells: string[]) => void {
  const head = `${'figure'.padEnd(figureWidth)}${cols.map(([h, n]) => h.padStart(n)).join('')}`;
  console.log('');
  console.log(title);
  console.log(head);
  console.log('-'.repeat(head.length));
  return (figure, cells) =>
    console.log(
      `${figure.padEnd(figureWidth)}${cells.map((c, i) => c.padStart(cols[i]![1])).join('')}`,
    );
}

export function printTable(title: string, lines: Line[], notes: string[] = []): void {
  const w = Math.max(28, ...lines.map((l) => (typeof l === 'string' ? 0 : l.figure.length + 2)));
  const row = printHead(title, w, [
    ['ours', 12],
    ['2.0.13', 12],
    ['ratio', 7],
    ['3.4', 12],
    ['ratio', 7],
  ]);
  for (const l of lines) {
    if (typeof l === 'string') {
      console.log(`  ${l}`);
      continue;
    }
    const v = l.values;
    row(l.figure, [fmt(v.ours), fmt(v.go), ratio(v.ours, v.go), fmt(v.v34), ratio(v.ours, v.v34)]);
  }
  console.log(
    'ratio = ours / other (rates /s: higher is better; s, ms, µs and MiB: lower is better)',
  );
  for (const n of notes) console.log(`note: ${n}`);
  // A busy machine skews every figure: say how busy it was.
  const load = loadavg().map((x) => x.toFixed(2));
  console.log(`machine: ${cpus().length} cores, load average ${load.join(' ')} (1, 5, 15 min)`);
}

/**
 * A bench's floor (a bare Node server doing the least the load needs) beside ours and
 * 2.0.13, for the figures the floor was measured on: ours/floor says what ours adds to it,
 * floor/2.0.13 whether one Node thread can meet 2.0.13's figure at all.
 */
export function printFloorTable(
  title: string,
  rows: Row[],
  floor: ReadonlyMap<string, number>,
  notes: string[] = [],
): void {
  const w = Math.max(28, ...rows.map((r) => r.figure.length + 2));
  const row = printHead(title, w, [
    ['floor', 12],
    ['ours', 12],
    ['ours/fl', 9],
    ['2.0.13', 12],
    ['fl/2.0.13', 11],
  ]);
  for (const r of rows) {
    const f = floor.get(r.figure);
    if (f === undefined) continue;
    const v = r.values;
    row(r.figure, [fmt(f), fmt(v.ours), ratio(v.ours, f), fmt(v.go), ratio(f, v.go)]);
  }
  for (const n of notes) console.log(`note: ${n}`);
}

/** Keeps the best value per implementation and figure across rounds. */
export class Best {
  private readonly rows = new Map<string, Row>();
  private readonly order: string[] = [];

  keep(figure: string, impl: Impl, value: number, better: 'higher' | 'lower'): void {
    let row = this.rows.get(figure);
    if (!row) {
      row = { figure, values: {} };
      this.rows.set(figure, row);
      this.order.push(figure);
    }
    const prev = row.values[impl.key];
    if (prev === undefined || (better === 'higher' ? value > prev : value < prev)) {
      row.values[impl.key] = value;
    }
  }

  row(figure: string): Row {
    return this.rows.get(figure) ?? { figure, values: {} };
  }

  all(): Row[] {
    return this.order.map((f) => this.row(f));
  }
}

/** The median of a list (NaN when empty). */
export function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}
