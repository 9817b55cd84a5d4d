// The loads of bench:cluster, for a cluster of one implementation or a mixed one.
import { type Group, leaderOf } from './launch.js';
import { getLoad, putLoad, putOne } from './load.js';
import type { LoadResult } from './server-load.js';

export const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function writes(g: Group): Promise<LoadResult> {
  return putLoad(g.members[await leaderOf(g)]!, '/v2/keys/bench/w', 64, SECONDS);
}

export async function reads(g: Group): Promise<LoadResult> {
  await putOne(g.members[0]!, '/v2/keys/bench/read');
  // Every member has applied it before the clock starts.
  for (const m of g.members) {
    while ((await fetch(`${m.clientUrl}/v2/keys/bench/read`)).status !== 200) await sleep(10);
  }
  const n = g.members.length;
  const parts = await Promise.all(
    g.members.map((m, i) =>
      // One wrk thread per member: as many generator threads as for one member's load.
      getLoad(m, '/v2/keys/bench/read', Math.floor(64 / n) + (i < 64 % n ? 1 : 0), SECONDS, 1),
    ),
  );
  const requests = parts.reduce((a, p) => a + p.requests, 0);
  const seconds = Math.max(...parts.map((p) => p.seconds));
  return {
    requests,
    errors: parts.reduce((a, p) => a + p.errors, 0),
    seconds,
    perSecond: parts.reduce((a, p) => a + p.perSecond, 0),
    p50: Math.max(...parts.map((p) => p.p50)),
    p99: Math.max(...parts.map((p) => p.p99)),
  };
}

async function accepted(url: string, key: string): Promise<boolean> {
  try {
    const r = await fetch(`${url}/v2/keys/${key}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'value=x',
      signal: AbortSignal.timeout(5000),
    });
    await r.arrayBuffer();
    return r.status < 300;
  } catch {
    return false;
  }
}

/** Leader SIGKILLed → first write acknowledged through a survivor, in ms. */
export async function failover(g: Group): Promise<{ ms: number; leader: string }> {
  const old = await leaderOf(g);
  const survivors = g.members.filter((_, i) => i !== old);
  const killedAt = performance.now();
  g.members[old]!.proc!.proc.kill('SIGKILL');
  // A write attempt through a survivor every 10 ms; the first acknowledged one counts.
  let acceptedAt = 0;
  const attempts: Promise<void>[] = [];
  for (let n = 0; acceptedAt === 0 && n < 3000; n++) {
    const m = survivors[n % survivors.length]!;
    attempts.push(
      accepted(m.clientUrl, `bench/failover${n}`).then((ok) => {
        if (ok && acceptedAt === 0) acceptedAt = performance.now();
      }),
    );
    await sleep(10);
  }
  await Promise.all(attempts);
  if (acceptedAt === 0) throw new Error('no write accepted within 30 s of the leader kill');
  // Back to three members, settled, before the next round.
  const back = g.members[old]!;
  await back.stop();
  back.spawn();
  await back.serving();
  while (!(await accepted(back.clientUrl, 'bench/settle'))) await sleep(50);
  await sleep(1000);
  return { ms: acceptedAt - killedAt, leader: back.impl.label };
}
