// The differential suite: the same scripts against a target and against Go etcd 2.0.13, both
// from a fresh start, answers compared after normalisation (times masked, unsorted listings
// ordered). The target is pluggable (a store shim, or a real member).
import { startGoMember } from '../helpers/reference.js';
import { type Answer, closeAgent, reconcileTTL, runScript, type Script } from './diff-runner.js';
import { allScripts } from './diff-scripts.js';

export interface Target {
  url: string;
  close(): Promise<void>;
  /** Store reads its start-up made (a readiness probe): the reference gets as many. */
  startupReads?: number;
}

export interface Difference {
  script: string;
  step: number;
  ours: Answer | undefined;
  ref: Answer | undefined;
}

/** Differences we keep on purpose, each with its reason (also listed in the README). */
export const DELIBERATE: { script: string; step?: number; reason: string }[] = [
  {
    script: 'validation',
    step: 13,
    reason:
      'OPTIONS is answered by the CORS layer in front of the keys handler (the router), which the in-process shim does not have',
  },
];

function isDeliberate(d: Difference): boolean {
  return DELIBERATE.some(
    (x) => x.script === d.script && (x.step === undefined || x.step === d.step),
  );
}

async function runAll(url: string, scripts: Script[]): Promise<Answer[][]> {
  const out: Answer[][] = [];
  // One warm-up write so that every script starts at a non-zero index on both sides.
  await fetch(`${url}/v2/keys/warmup?value=1`, { method: 'PUT' }).then((r) => r.text());
  for (const s of scripts) out.push(await runScript(url, s));
  // Then the store's counters, which every script moved: compared as they are.
  const stats = await fetch(`${url}/v2/stats/store`).then(async (r) => ({
    status: r.status,
    body: await r.text(),
  }));
  out.push([{ step: 0, status: stats.status, headers: {}, body: stats.body, escapes: '' }]);
  return out;
}

/** Runs every script against both; returns the differences that are not deliberate. */
export async function differential(
  target: () => Promise<Target>,
  random = 250,
): Promise<{
  scripts: number;
  steps: number;
  differences: Difference[];
  deliberate: Difference[];
}> {
  const scripts = allScripts(random);
  const ref = await startGoMember('diff');
  const ours = await target();
  try {
    // The same store reads on both sides before the scripts: /v2/stats/store is compared.
    for (let i = 0; i < (ours.startupReads ?? 0); i++) {
      await fetch(`${ref.clientUrl}/v2/keys/?quorum=true`).then((r) => r.text());
    }
    const [a, b] = await Promise.all([runAll(ours.url, scripts), runAll(ref.clientUrl, scripts)]);
    const differences: Difference[] = [];
    const deliberate: Difference[] = [];
    let steps = 0;
    const names = [...scripts.map((s) => s.name), '/v2/stats/store'];
    for (let i = 0; i < names.length; i++) {
      const oa = a[i]!;
      const rb = b[i]!;
      const n = Math.max(oa.length, rb.length);
      steps += n;
      for (let j = 0; j < n; j++) {
        const o = oa[j];
        const r = rb[j];
        reconcileTTL(o, r);
        if (JSON.stringify(o) !== JSON.stringify(r)) {
          const d: Difference = {
            script: names[i]!,
            step: o?.step ?? r?.step ?? j,
            ours: o,
            ref: r,
          };
          (isDeliberate(d) ? deliberate : differences).push(d);
        }
      }
    }
    return { scripts: scripts.length, steps, differences, deliberate };
  } finally {
    closeAgent();
    await ours.close();
    await ref.stop();
  }
}
