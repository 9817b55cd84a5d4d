// Scenarios: the same steps run by 2.0.13's etcdctl under one key prefix and by ours under
// another, against the same server, compared step by step after normalisation.
import assert from 'node:assert/strict';
import { normalise, ours, type RunOptions, type RunResult, reference } from './run.js';

type Runner = (args: string[], o?: RunOptions) => Promise<RunResult>;

export type Args = string[] | ((prev: RunResult[]) => string[]);

export interface Step {
  args: Args;
  opts?: RunOptions;
  /** Compare stdout as a sorted list of lines (output whose order is not defined). */
  unordered?: boolean;
}

const PREFIX = { ref: '/KR', our: '/KO' } as const;

function expand(args: string[], prefix: string): string[] {
  return args.map((a) => a.replaceAll('@', prefix));
}

async function runAll(
  tool: 'ref' | 'our',
  endpoint: string[],
  steps: readonly Step[],
  refRunner: Runner,
): Promise<RunResult[]> {
  const out: RunResult[] = [];
  const exec = tool === 'ref' ? refRunner : ours;
  for (const s of steps) {
    const a = typeof s.args === 'function' ? s.args(out) : s.args;
    out.push(await exec([...endpoint, ...expand(a, PREFIX[tool])], s.opts));
  }
  return out;
}

function clean(r: RunResult, prefix: string, unordered: boolean): RunResult {
  const un = (s: string) => normalise(s.replaceAll(prefix, '@'));
  let stdout = un(r.stdout);
  if (unordered) stdout = stdout.split('\n').sort().join('\n');
  return { stdout, stderr: un(r.stderr), code: r.code };
}

/** Runs the steps with both tools (in parallel, each in order) and compares them. */
export async function compareSteps(
  endpoint: string[],
  steps: readonly Step[],
  refRunner: Runner = reference,
  /** One tool after the other (2.0.13 may answer a change racing another with a 500). */
  oneAfterOther = false,
): Promise<RunResult[]> {
  const [r, o] = oneAfterOther
    ? [
        await runAll('ref', endpoint, steps, refRunner),
        await runAll('our', endpoint, steps, refRunner),
      ]
    : await Promise.all([
        runAll('ref', endpoint, steps, refRunner),
        runAll('our', endpoint, steps, refRunner),
      ]);
  // Every differing step is reported, not only the first.
  const failures: string[] = [];
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    const label = typeof s.args === 'function' ? s.args(r.slice(0, i)).join(' ') : s.args.join(' ');
    try {
      assert.deepEqual(
        clean(o[i]!, PREFIX.our, s.unordered === true),
        clean(r[i]!, PREFIX.ref, s.unordered === true),
        `step ${i}: etcdctl ${label}`,
      );
    } catch (e) {
      failures.push((e as Error).message);
    }
  }
  if (failures.length > 0) assert.fail(failures.join('\n\n'));
  return r;
}

/** A pool running independent comparisons a few at a time. */
export async function inParallel<T>(
  items: readonly T[],
  n: number,
  f: (x: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const x = items[next++]!;
      await f(x);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

/** modifiedIndex from a `-o json` result. */
export function jsonIndex(r: RunResult | undefined): number {
  const m = /"modifiedIndex":(\d+)/.exec(r?.stdout ?? '');
  if (m === null) throw new Error(`no modifiedIndex in ${JSON.stringify(r)}`);
  return Number(m[1]);
}
