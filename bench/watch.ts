// `npm run bench:watch`: BENCH_LONGPOLL (10,000) long-poll watchers and BENCH_STREAMS (1,000)
// stream watchers (?stream=true) on one key prefix (recursive), one member of each
// implementation, one at a time. Once the member counts them all (/v2/stats/store
// "watchers"), its RSS is read and one write is made under the prefix; printed: the time
// from sending that write to the last watcher receiving the event, for each kind, and the
// RSS with all watchers registered. The watchers are raw sockets in this process.
// BENCH_ROUNDS (2) rounds per implementation (best counts), after one uncounted round that
// warms this client up. Then the same rounds against watch-floor.ts, whose best long-poll
// time is printed under the table: the least one Node thread can do on this machine, for
// the row ours must win against Go's two cores.
import { connect, type Socket } from 'node:net';
import { availableParallelism } from 'node:os';
import { alternate, describeImpls, type Impl, implementations } from './impls.js';
import { launch } from './launch.js';
import { type FloorTarget, onFloor } from './floor.js';
import { runMain } from './procs.js';
import { cpuTotal, MiB, rssBytes } from './sys.js';
import { Best, fmt, printTable } from './table.js';

const LONGPOLL = Number(process.env.BENCH_LONGPOLL ?? 10_000);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 1_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const TIMEOUT_MS = 60_000;

/** What a round watches: a member, or the floor (watch-floor.ts). */
type Target = FloorTarget;

interface RoundResult {
  count: number;
  rss: number;
  longPoll: { ms: number; missing: number };
  stream: { ms: number; missing: number };
}

interface Watcher {
  sock: Socket;
  stream: boolean;
  /** When the event with the marker arrived (0 = not yet). */
  at: number;
}

/**
 * Every watcher reads into this one buffer (`onread`: no Buffer and no stream events per
 * read), and looks at what it read before the next read: 11,000 answers arrive at once,
 * and this client's reading must not be what the bench times.
 */
const READ_INTO = Buffer.allocUnsafe(64 * 1024);

function openWatcher(m: Target, stream: boolean, marker: () => string): Promise<Watcher> {
  return new Promise((resolve, reject) => {
    let tail = '';
    const onRead = (n: number, buf: Uint8Array): boolean => {
      if (w.at !== 0) return true;
      const text = tail + (buf as Buffer).toString('latin1', 0, n);
      const mk = marker();
      if (mk !== '' && text.includes(mk)) w.at = performance.now();
      tail = text.slice(-64);
      return true;
    };
    const sock = connect({
      host: '127.0.0.1',
      port: Number(new URL(m.clientUrl).port),
      onread: { buffer: READ_INTO, callback: onRead },
    });
    const w: Watcher = { sock, stream, at: 0 };
    sock.setNoDelay(true);
    sock.once('error', reject);
    sock.once('connect', () => {
      const q = `wait=true&recursive=true${stream ? '&stream=true' : ''}`;
      sock.write(`GET /v2/keys/watched?${q} HTTP/1.1\r\nHost: ${m.host}\r\n\r\n`);
      resolve(w);
    });
  });
}

async function watcherCount(m: Target): Promise<number> {
  const r = await fetch(`${m.clientUrl}/v2/stats/store`);
  return ((await r.json()) as { watchers?: number }).watchers ?? 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function round(m: Target, n: number): Promise<RoundResult> {
  let marker = '';
  const watchers: Watcher[] = [];
  let result: RoundResult;
  try {
    const kinds = [...Array(LONGPOLL).fill(false), ...Array(STREAMS).fill(true)] as boolean[];
    for (let i = 0; i < kinds.length; i += 250) {
      const batch = kinds.slice(i, i + 250).map((s) => openWatcher(m, s, () => marker));
      watchers.push(...(await Promise.all(batch)));
    }
    const deadline = performance.now() + TIMEOUT_MS;
    let count = 0;
    while ((count = await watcherCount(m)) < watchers.length) {
      if (performance.now() > deadline) {
        throw new Error(`${m.label}: only ${count}/${watchers.length} watchers registered`);
      }
      await sleep(50);
    }
    const rss = rssBytes(m.pid()) / MiB;
    marker = `deliver-${n}-${process.hrtime.bigint()}`;
    const t0 = performance.now();
    const cpu0 = { member: cpuTotal([m.pid()]), client: process.cpuUsage() };
    const put = fetch(`${m.clientUrl}/v2/keys/watched/k`, {
      method: 'PUT',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `value=${marker}`,
    });
    while (watchers.some((w) => w.at === 0) && performance.now() - t0 < TIMEOUT_MS) await sleep(2);
    const wall = performance.now() - t0;
    const memberCpu = (cpuTotal([m.pid()]) - cpu0.member) * 1000;
    const clientCpu = process.cpuUsage(cpu0.client);
    if ((await put).status >= 300) throw new Error(`${m.label}: the write failed`);
    const last = (stream: boolean) => {
      const ws = watchers.filter((w) => w.stream === stream);
      const missing = ws.filter((w) => w.at === 0).length;
      return { ms: Math.max(0, ...ws.map((w) => w.at - t0)), missing };
    };
    const lp = last(false);
    const st = last(true);
    console.log(
      `  ${m.label}: ${count} watchers, RSS ${fmt(rss)} MiB; last long-poll delivery ${fmt(lp.ms)} ms (missing ${lp.missing}), last stream delivery ${fmt(st.ms)} ms (missing ${st.missing})`,
    );
    // Both cores' share of the delivery: what the member and this client (which reads every
    // watcher's answer) spent, against the wall time; at 2 cores both can be the limit.
    console.log(
      `    CPU while delivering: member ${fmt(memberCpu)} ms, the watchers' client ${fmt((clientCpu.user + clientCpu.system) / 1000)} ms, in ${fmt(wall)} ms on ${availableParallelism()} cores`,
    );
    result = { count, rss, longPoll: lp, stream: st };
  } finally {
    for (const w of watchers) w.sock.destroy();
  }
  // The member drops the closed watchers before the next round.
  const deadline = performance.now() + TIMEOUT_MS;
  while ((await watcherCount(m)) > 0 && performance.now() < deadline) await sleep(50);
  return result;
}

function keep(best: Best, impl: Impl, r: RoundResult): void {
  best.keep(`RSS MiB with ${r.count.toLocaleString('en-US')} watchers`, impl, r.rss, 'lower');
  if (r.longPoll.missing === 0 && LONGPOLL > 0) {
    best.keep(`ms to last of ${LONGPOLL} long-poll watchers`, impl, r.longPoll.ms, 'lower');
  }
  if (r.stream.missing === 0 && STREAMS > 0) {
    best.keep(`ms to last of ${STREAMS} stream watchers`, impl, r.stream.ms, 'lower');
  }
}

async function main(): Promise<void> {
  const { impls, notes } = implementations();
  console.log(
    `bench:watch: one member each; ${LONGPOLL} long-poll + ${STREAMS} stream watchers on one prefix; ${ROUNDS} rounds (best counts)`,
  );
  console.log(describeImpls(impls));
  // One round not counted, against the floor: this client's first round runs before its
  // JIT has warmed up (its CPU then goes from ~130 to ~350 ms) and would time the client,
  // not whichever server happened to go first.
  if (LONGPOLL + STREAMS > 0) {
    await onFloor('watch-floor.js', (target) =>
      round({ ...target, label: 'warm-up (not counted)' }, -1),
    );
  }
  const best = new Best();
  for (let r = 0; r < ROUNDS; r++) {
    for (const impl of alternate(impls, r)) {
      const g = await launch(impl, 1);
      const m = g.members[0]!;
      try {
        const target = {
          label: impl.label,
          clientUrl: m.clientUrl,
          host: m.host,
          pid: () => m.pid(),
        };
        keep(best, impl, await round(target, r));
      } finally {
        await g.close();
      }
    }
  }
  // The floor: what one Node thread cannot go below here (watch-floor.ts).
  let floor = Number.POSITIVE_INFINITY;
  for (let r = 0; r < ROUNDS && LONGPOLL > 0; r++) {
    const res = await onFloor('watch-floor.js', (target) => round(target, ROUNDS + r));
    if (res.longPoll.missing === 0) floor = Math.min(floor, res.longPoll.ms);
  }
  const floorNote =
    floor === Number.POSITIVE_INFINITY
      ? []
      : [
          `floor: ${fmt(floor)} ms to the last long poll for a bare Node server that writes one`,
          'ready-made answer to every held watch in one loop (bench/watch-floor.ts): the least',
          'one thread can do here, ~one write syscall per watcher.',
        ];
  printTable('watchers (one member)', best.all(), [...notes, ...floorNote]);
}

runMain(main);
