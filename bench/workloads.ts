// bench:workloads: requests/s of the ways clients use etcd beyond bench:server's one key
// (distinct keys, TTLs, queues, compare-and-swap, misses, quorum reads, big values, listings
// and trees, with and without writes between them, the small endpoints), through wrk at 64
// connections, one member of each implementation, rounds alternating (best counts).
//   BENCH_SECONDS (4) per load, BENCH_ROUNDS (2), BENCH_IMPLS (ours,go,v34), WORKLOADS=0,3
//   (the loads to run, by their place in the list)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alternate, describeImpls, implementations } from './impls.js';
import { launch } from './launch.js';
import { FORM, putOne, type Target, VALUE } from './load.js';
import { benchDir, runMain } from './procs.js';
import { Best, printTable } from './table.js';
import { runWrk, wrkAvailable } from './wrk.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECTIONS = 64;

interface Workload {
  name: string;
  /** Keys the load needs, made before it runs. */
  setup?: (t: Target) => Promise<void>;
  /** The body of wrk's request() (Lua; `n` counts requests, `h` is a form header). */
  request: string;
}

/** `count` requests made by `one(i)`, 8 at a time. */
async function batched(count: number, one: (i: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < count; i += 8) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + 8); j++) batch.push(one(j));
    await Promise.all(batch);
  }
}

/** `count` keys (each path from `name(i)`), 256-byte values. */
function fill(t: Target, count: number, name: (i: number) => string): Promise<void> {
  return batched(count, (i) => putOne(t, `/v2/keys/${name(i)}`));
}

/** POSTs `value` to the in-order queue at `path`; throws unless it is acknowledged. */
async function post(t: Target, path: string, value: string): Promise<void> {
  const r = await fetch(`${t.clientUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `value=${value}`,
  });
  const body = await r.text();
  if (r.status >= 300) throw new Error(`POST ${path}: ${r.status} ${body}`);
}

const put = (path: string, body: string) =>
  `return wrk.format("PUT", ${path}, h, ${JSON.stringify(body)})`;
const get = (path: string) => `return wrk.format("GET", ${path})`;

const WORKLOADS: Workload[] = [
  {
    name: 'PUT, 100,000 keys at random',
    request: put('"/v2/keys/s/k" .. math.random(100000)', FORM),
  },
  {
    name: 'PUT with a TTL, 100,000 keys',
    request: put('"/v2/keys/t/k" .. math.random(100000)', `${FORM}&ttl=100`),
  },
  {
    name: 'POST (in-order keys)',
    request: `return wrk.format("POST", "/v2/keys/q", h, "${FORM}")`,
  },
  {
    name: 'compare-and-swap',
    setup: (t) => putOne(t, '/v2/keys/cas'),
    request: put('"/v2/keys/cas"', `${FORM}&prevValue=${VALUE}`),
  },
  {
    name: 'compare-and-swap, failing (412)',
    setup: (t) => putOne(t, '/v2/keys/casf'),
    request: put('"/v2/keys/casf"', `${FORM}&prevIndex=1`),
  },
  {
    name: 'PUT then DELETE',
    request:
      'if n % 2 == 1 then ' +
      put('"/v2/keys/pd/k" .. n', FORM) +
      ' else return wrk.format("DELETE", "/v2/keys/pd/k" .. (n - 1)) end',
  },
  {
    name: 'PUT, 16 KiB values',
    request: put('"/v2/keys/large/k" .. (n % 64)', `value=${'y'.repeat(16384)}`),
  },
  { name: 'GET of a missing key (404)', request: get('"/v2/keys/nope/nothere"') },
  {
    name: 'GET quorum=true',
    setup: (t) => putOne(t, '/v2/keys/qr'),
    request: get('"/v2/keys/qr?quorum=true"'),
  },
  {
    name: 'GET of a 64 KiB value',
    setup: (t) => putOne(t, '/v2/keys/big', 'z'.repeat(65536)),
    request: get('"/v2/keys/big"'),
  },
  {
    name: 'GET of a directory of 100',
    setup: (t) => fill(t, 100, (i) => `d100/k${i}`),
    request: get('"/v2/keys/d100"'),
  },
  {
    name: 'GET of a tree of 300, recursive',
    setup: (t) => fill(t, 300, (i) => `tree/a${i % 10}/b${i % 7}/k${i}`),
    request: get('"/v2/keys/tree?recursive=true"'),
  },
  {
    name: 'the same, 1 request in 10 a PUT',
    setup: (t) => fill(t, 300, (i) => `tree/a${i % 10}/b${i % 7}/k${i}`),
    request: `if n % 10 == 0 then ${put('"/v2/keys/other"', FORM)} else ${get('"/v2/keys/tree?recursive=true"')} end`,
  },
  {
    name: 'GET of a directory of 100, 1 in 2 a PUT',
    setup: (t) => fill(t, 100, (i) => `d100/k${i}`),
    request: `if n % 2 == 0 then ${put('"/v2/keys/other"', FORM)} else ${get('"/v2/keys/d100"')} end`,
  },
  {
    name: 'GET of 20 directories of 100, every URL new',
    setup: (t) => fill(t, 2000, (i) => `ds/d${i % 20}/k${i}`),
    request: get('"/v2/keys/ds/d" .. (n % 20) .. "?r=" .. n'),
  },
  {
    name: 'GET of 2,000 in-order keys, sorted, every URL new',
    setup: (t) => batched(2000, (i) => post(t, '/v2/keys/queue', `job${i}`)),
    request: get('"/v2/keys/queue?sorted=true&r=" .. n'),
  },
  { name: 'GET /v2/stats/self', request: get('"/v2/stats/self"') },
  { name: 'GET /v2/members', request: get('"/v2/members"') },
  { name: 'GET /version', request: get('"/version"') },
];

const scripts = benchDir('bench-workloads');

function scriptFor(w: Workload, i: number): string {
  const file = join(scripts.path, `w${i}.lua`);
  writeFileSync(
    file,
    [
      'local n = 0',
      'local h = { ["Content-Type"] = "application/x-www-form-urlencoded" }',
      'math.randomseed(42)',
      'request = function()',
      '  n = n + 1',
      `  ${w.request}`,
      'end',
      '',
    ].join('\n'),
  );
  return file;
}

async function main(): Promise<void> {
  if (!wrkAvailable()) {
    console.log('bench:workloads needs wrk (Debian package `wrk`): not found');
    return;
  }
  const { impls, notes } = implementations();
  const only = process.env.WORKLOADS?.split(',');
  const loads = WORKLOADS.map((w, i) => ({ w, script: scriptFor(w, i) })).filter(
    (_, i) => only === undefined || only.includes(String(i)),
  );
  console.log(
    `bench:workloads: one member each, wrk at ${CONNECTIONS} connections, ${SECONDS} s a load, ${ROUNDS} rounds (best counts)`,
  );
  console.log(describeImpls(impls));
  const best = new Best();
  for (let r = 0; r < ROUNDS; r++) {
    for (const impl of alternate(impls, r)) {
      const g = await launch(impl, 1);
      try {
        const m = g.members[0]!;
        for (const { w, script } of loads) {
          await w.setup?.(m);
          const res = await runWrk({
            url: m.clientUrl,
            connections: CONNECTIONS,
            seconds: SECONDS,
            path: '/',
            script,
          });
          console.log(`  ${w.name} ${impl.label}: ${Math.round(res.perSecond)}/s`);
          best.keep(`${w.name} (/s)`, impl, res.perSecond, 'higher');
        }
      } finally {
        await g.close();
      }
    }
  }
  printTable('workloads (one member, requests/s)', best.all(), [
    ...notes,
    'errors (non-2xx answers) count as requests: the failing compare-and-swap and the 404 are such loads',
  ]);
}

runMain(main);
