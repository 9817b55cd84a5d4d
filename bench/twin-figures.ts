// Figures of two members of one build, round by round, and how far apart they came out.
import type { Impl } from './impls.js';

/** Per implementation and figure, each round's value for the first and the second member. */
export class TwinFigures {
  private readonly values = new Map<string, number[][]>();
  readonly figures: string[] = [];

  keep(impl: Impl, figure: string, side: number, round: number, value: number): void {
    const key = `${impl.label}\0${figure}`;
    let rounds = this.values.get(key);
    if (rounds === undefined) {
      rounds = [];
      this.values.set(key, rounds);
      if (!this.figures.includes(figure)) this.figures.push(figure);
    }
    (rounds[round] ??= [Number.NaN, Number.NaN])[side] = value;
  }

  /** Each round's ratio first / second (NaN where a side had errors). */
  ratios(impl: Impl, figure: string): number[] {
    const rounds = this.values.get(`${impl.label}\0${figure}`) ?? [];
    return rounds.map(([a, b]) => a! / b!);
  }
}

/** How far from 1 the farthest ratio is, as a factor ≥ 1 (1.5 for 0.67 or 1.5). */
export function spread(ratios: number[]): number {
  const ok = ratios.filter((r) => r > 0 && Number.isFinite(r));
  return ok.length === 0 ? Number.NaN : Math.max(...ok.map((r) => Math.max(r, 1 / r)));
}
