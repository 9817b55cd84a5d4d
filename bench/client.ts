// npm run bench:client — gets through the client against one member, next to raw
// keep-alive node:http requests for the same URL (and global fetch, to show why the
// client does not use it). Sequential and concurrent; prints requests/s and ratios.
// Runs against the reference etcd, and against ours when bin/etcd serves
// (BENCH_TARGET=reference|ours|both, default both).
import * as http from 'node:http';
import { Client } from '../src/client/index.js';
import { startCluster } from '../test/helpers/cluster.js';
import { startReference } from '../test/helpers/reference.js';

const SEQ = Number(process.env.BENCH_SEQ ?? 3000);
const CONC_TOTAL = Number(process.env.BENCH_CONC_TOTAL ?? 12000);
const CONC = Number(process.env.BENCH_CONC ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const KEY = '/bench/key';

type Get = () => Promise<unknown>;

function rawGet(url: URL, agent: http.Agent, path: string): Get {
  const opts: http.RequestOptions = {
    agent,
    hostname: url.hostname,
    port: url.port,
    path,
    method: 'GET',
  };
  return () =>
    new Promise((resolve, reject) => {
      const req = http.request(opts, (res) => {
        res.setEncoding('utf8');
        let body = '';
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve(JSON.parse(body)));
      });
      req.on('error', reject);
      req.end();
    });
}

async function timeIt(get: Get, total: number, concurrency: number): Promise<number> {
  let left = total;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left > 0) {
        left--;
        await get();
      }
    }),
  );
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return total / secs;
}

async function bench(name: string, url: string): Promise<void> {
  const c = new Client({ endpoints: [url] });
  await c.set(KEY, 'x'.repeat(100));
  const u = new URL(url);
  const agent = new http.Agent({ keepAlive: true, scheduling: 'lifo' });
  // Same URL the client sends (the Go client's parameters).
  const raw = rawGet(
    u,
    agent,
    `${KEY}?quorum=false&recursive=false&sorted=false`.replace(/^/, '/v2/keys'),
  );
  const viaClient: Get = () => c.get(KEY);
  const viaFetch: Get = async () =>
    (await fetch(`${url}/v2/keys${KEY}?quorum=false&recursive=false&sorted=false`)).json();
  for (const [mode, total, conc] of [
    ['sequential', SEQ, 1],
    [`concurrent x${CONC}`, CONC_TOTAL, CONC],
  ] as const) {
    await timeIt(raw, 300, conc); // warm-up
    await timeIt(viaClient, 300, conc);
    await timeIt(viaFetch, 300, conc);
    let bestRaw = 0;
    let bestClient = 0;
    let bestFetch = 0;
    for (let r = 0; r < ROUNDS; r++) {
      bestRaw = Math.max(bestRaw, await timeIt(raw, total, conc));
      bestClient = Math.max(bestClient, await timeIt(viaClient, total, conc));
      bestFetch = Math.max(bestFetch, await timeIt(viaFetch, total, conc));
    }
    console.log(
      `${name.padEnd(10)} ${mode.padEnd(14)} raw http ${bestRaw.toFixed(0).padStart(7)} req/s | client ${bestClient.toFixed(0).padStart(7)} req/s (${((bestClient / bestRaw) * 100).toFixed(1)}% of raw) | fetch ${bestFetch.toFixed(0).padStart(7)} req/s (${((bestFetch / bestRaw) * 100).toFixed(1)}%)`,
    );
  }
  c.close();
  agent.destroy();
}

async function main(): Promise<void> {
  const target = process.env.BENCH_TARGET ?? 'both';
  console.log(
    `client bench: ${SEQ} sequential gets, ${CONC_TOTAL} gets ${CONC} at a time, best of ${ROUNDS}`,
  );
  if (target !== 'ours') {
    const ref = await startReference('bench-client');
    try {
      await bench('reference', ref.clientUrl);
    } finally {
      await ref.stop();
    }
  }
  if (target !== 'reference') {
    let cluster: Awaited<ReturnType<typeof startCluster>> | null = null;
    try {
      cluster = await startCluster(1, { flavor: 'ours' });
      await bench('ours', cluster.members[0]!.clientUrl);
    } catch (e) {
      console.log(`ours: skipped (${(e as Error).message.split('\n')[0]})`);
    } finally {
      await cluster?.close();
    }
  }
}

await main();
