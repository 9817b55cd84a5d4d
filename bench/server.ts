// `npm run bench`: one member of ours and one of Debian's etcd (v2 API), same load, same
// run, alternating; prints each figure for both and the ratio ours/reference.
//   reads:   GET one 256-byte key, 64 keep-alive connections
//   writes:  PUT 256 bytes, 64 connections
//   seq:     PUT 256 bytes, 1 connection
//   memory:  RSS after loading 100,000 keys (256-byte values)
// BENCH_SECONDS (default 5) sets each run's length, BENCH_ROUNDS (default 2) the rounds
// (the best round counts), BENCH_KEYS the memory test's key count.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reservePorts } from '../test/helpers/ports.js';
import { type Started, start, tempDir, waitFor } from '../test/helpers/process.js';
import { REFERENCE_ETCD, referenceSkip } from '../test/helpers/reference.js';
import { formRequest, getRequest, type LoadResult, runLoad } from './server-load.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const KEYS = Number(process.env.BENCH_KEYS ?? 100_000);
const VALUE = 'x'.repeat(256);

interface Server {
  label: string;
  url: string;
  host: string;
  proc: Started;
  stop(): Promise<void>;
}

async function startServer(label: 'ours' | 'reference'): Promise<Server> {
  const [cport, pport] = await reservePorts(2);
  const dir = tempDir(`bench-${label}`);
  const url = `http://127.0.0.1:${cport}`;
  const peer = `http://127.0.0.1:${pport}`;
  const flags = [
    '--name',
    'bench',
    '--data-dir',
    join(dir.path, 'data'),
    '--listen-client-urls',
    url,
    '--advertise-client-urls',
    url,
    '--listen-peer-urls',
    peer,
    '--initial-advertise-peer-urls',
    peer,
    '--initial-cluster',
    `bench=${peer}`,
  ];
  const proc =
    label === 'ours'
      ? start(
          process.execPath,
          [
            ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
            join(ROOT, 'bin', 'etcd'),
            ...flags,
          ],
          { ETCD_LOG_SILENT: '1' },
        )
      : start(REFERENCE_ETCD, flags);
  await waitFor(
    async () => (await fetch(`${url}/v2/keys/?quorum=true`)).status === 200,
    `${label} to serve`,
  );
  return {
    label,
    url,
    host: `127.0.0.1:${cport}`,
    proc,
    async stop() {
      await proc.stop('SIGTERM');
      dir.remove();
    },
  };
}

function rssBytes(pid: number): number {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(s);
  return m ? Number(m[1]) * 1024 : 0;
}

async function reads(s: Server): Promise<LoadResult> {
  await fetch(`${s.url}/v2/keys/bench/read`, {
    method: 'PUT',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `value=${VALUE}`,
  });
  const req = getRequest(s.host, '/v2/keys/bench/read');
  return runLoad({ url: s.url, connections: 64, seconds: SECONDS, build: () => req });
}

function writeBuilder(s: Server, prefix: string) {
  const reqs: Buffer[] = [];
  for (let c = 0; c < 64; c++) {
    reqs.push(formRequest('PUT', s.host, `/v2/keys/bench/${prefix}${c}`, `value=${VALUE}`));
  }
  return (conn: number) => reqs[conn]!;
}

async function writes(s: Server): Promise<LoadResult> {
  return runLoad({ url: s.url, connections: 64, seconds: SECONDS, build: writeBuilder(s, 'w') });
}

async function seqWrites(s: Server): Promise<LoadResult> {
  return runLoad({ url: s.url, connections: 1, seconds: SECONDS, build: writeBuilder(s, 's') });
}

async function memory(s: Server): Promise<number> {
  const perConn = Math.ceil(KEYS / 64);
  const body = `value=${VALUE}`;
  const r = await runLoad({
    url: s.url,
    connections: 64,
    seconds: 3600,
    perConn,
    build: (c, i) => formRequest('PUT', s.host, `/v2/keys/mem/k${c * perConn + i}`, body),
  });
  if (r.errors > 0) console.log(`  (${s.label}: ${r.errors} errors while loading keys)`);
  await new Promise((res) => setTimeout(res, 1000));
  return rssBytes(s.proc.proc.pid!);
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

async function main(): Promise<void> {
  const skip = referenceSkip();
  const servers: Server[] = [];
  // Never leave the two servers running if the bench dies (a closed pipe, ^C).
  const killAll = () => {
    for (const s of servers) s.proc.proc.kill('SIGKILL');
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGPIPE'] as const) {
    process.on(sig, () => {
      killAll();
      process.exit(1);
    });
  }
  servers.push(await startServer('ours'));
  if (skip) console.log(`reference etcd not available (${skip}); ours only`);
  else servers.push(await startServer('reference'));
  console.log(
    `bench: ${SECONDS}s per run, ${ROUNDS} rounds (best counts), ${KEYS} keys for memory`,
  );
  const tests: [string, (s: Server) => Promise<LoadResult>][] = [
    ['reads/s (GET 256 B, 64 conns)', reads],
    ['writes/s (PUT 256 B, 64 conns)', writes],
    ['sequential writes/s (1 conn)', seqWrites],
  ];
  const rows: { name: string; ours: number; ref: number; higherIsBetter: boolean }[] = [];
  try {
    // Warm-up (JIT, connection pools, page cache) for both, not counted.
    for (const s of servers) {
      await runLoad({ url: s.url, connections: 64, seconds: 2, build: writeBuilder(s, 'warm') });
      await reads(s).catch(() => undefined);
    }
    for (const [name, fn] of tests) {
      const best = new Map<string, LoadResult>();
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 === 0 ? servers : [...servers].reverse();
        for (const s of order) {
          const r = await fn(s);
          console.log(
            `  ${name} ${s.label}: ${fmt(r.perSecond)} (p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, errors ${r.errors})`,
          );
          const prev = best.get(s.label);
          if (!prev || r.perSecond > prev.perSecond) best.set(s.label, r);
        }
      }
      rows.push({
        name,
        ours: best.get('ours')!.perSecond,
        ref: best.get('reference')?.perSecond ?? Number.NaN,
        higherIsBetter: true,
      });
    }
    const mem = new Map<string, number>();
    for (const s of servers) {
      mem.set(s.label, await memory(s));
      console.log(`  memory ${s.label}: ${fmt(mem.get(s.label)! / 1048576)} MiB`);
    }
    rows.push({
      name: `memory MiB (RSS, ${KEYS} keys)`,
      ours: mem.get('ours')! / 1048576,
      ref: (mem.get('reference') ?? Number.NaN) / 1048576,
      higherIsBetter: false,
    });
  } finally {
    for (const s of servers) await s.stop();
  }
  console.log('');
  console.log(
    `${'figure'.padEnd(36)}${'ours'.padStart(12)}${'reference'.padStart(12)}${'ratio'.padStart(8)}`,
  );
  for (const r of rows) {
    const ratio = r.ours / r.ref;
    console.log(
      `${r.name.padEnd(36)}${fmt(r.ours).padStart(12)}${fmt(r.ref).padStart(12)}${(Number.isNaN(ratio) ? '-' : ratio.toFixed(2)).padStart(8)}`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
