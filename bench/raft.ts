// Raft core throughput: a 3-node in-memory cluster (no I/O, messages handed over
// directly), 256-byte proposals in batches. Prints committed entries per second and the
// heap bytes allocated per entry (from V8's heap statistics, GC included).
//   npm run bench:raft [-- --entries N --batch B]
import { getHeapStatistics } from 'node:v8';
import { RawNode } from '../src/raft/rawnode.js';
import { MemoryStorage } from '../src/raft/storage.js';
import { type Message, type Ready, StateType } from '../src/raft/types.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const TOTAL = arg('entries', 2_000_000);
const BATCH = arg('batch', 1024);
const ROUNDS = arg('rounds', 3);
// --single: one propose() call per entry (as a server taking requests one by one).
const SINGLE = process.argv.includes('--single');
// As etcd's server: compact every --snapshot-count (10000) applied entries, keeping
// 5000 behind for slow followers.
const SNAPSHOT_COUNT = 10_000;
const CATCH_UP_ENTRIES = 5_000;

interface BenchNode {
  rn: RawNode;
  storage: MemoryStorage;
  applied: number;
}

function makeCluster(): BenchNode[] {
  const ids = ['1', '2', '3'];
  let seed = 7;
  const nodes = ids.map((id) => {
    const storage = new MemoryStorage();
    const rn = new RawNode({
      id,
      electionTick: 10,
      heartbeatTick: 1,
      storage,
      applied: 0,
      maxSizePerMsg: 1024 * 1024,
      maxInflightMsgs: 256,
      checkQuorum: false,
      preVote: false,
      random: () => {
        seed = (seed * 16807) % 2147483647;
        return seed / 2147483647;
      },
    });
    rn.bootstrap(ids.map((p) => ({ id: p, context: new Uint8Array(0) })));
    return { rn, storage, applied: 0 };
  });
  return nodes;
}

/** One pass over every node's Ready; returns whether anything happened. */
function pump(nodes: BenchNode[], byId: Map<string, BenchNode>, out: Message[]): boolean {
  let any = false;
  for (const n of nodes) {
    if (!n.rn.hasReady()) continue;
    any = true;
    const rd: Ready = n.rn.ready();
    if (rd.entries.length) n.storage.append(rd.entries);
    if (rd.hardState) n.storage.setHardState(rd.hardState);
    const ms = rd.messages;
    for (let i = 0; i < ms.length; i++) out.push(ms[i]!);
    const ce = rd.committedEntries;
    if (ce.length) {
      n.applied = ce[ce.length - 1]!.index;
      if (n.applied - n.storage.firstIndex() > SNAPSHOT_COUNT + CATCH_UP_ENTRIES) {
        n.storage.compact(n.applied - CATCH_UP_ENTRIES);
      }
    }
    n.rn.advance(rd);
  }
  for (let i = 0; i < out.length; i++) {
    const m = out[i]!;
    byId.get(m.to)!.rn.step(m);
  }
  if (out.length) any = true;
  out.length = 0;
  return any;
}

interface RunResult {
  secs: number;
  cpuSecs: number;
  bytesPerEntry: number;
}

/**
 * Commits `total` entries. With `sampleHeap`, samples the heap after every pump to
 * estimate allocation (bytes used growth plus what each GC freed); that costs time, so
 * throughput rounds run without it.
 */
function run(total: number, batch: number, sampleHeap: boolean): RunResult {
  const nodes = makeCluster();
  const byId = new Map(nodes.map((n, i) => [String(i + 1), n]));
  const out: Message[] = [];
  // Apply the bootstrap conf changes first: raft does not campaign before that.
  while (pump(nodes, byId, out)) {
    // settle
  }
  nodes[0]!.rn.campaign();
  while (pump(nodes, byId, out)) {
    // settle the election
  }
  const leader = nodes[0]!;
  if (leader.rn.state !== StateType.Leader) throw new Error('node 1 did not become leader');
  const payloads: Uint8Array[] = [];
  for (let i = 0; i < batch; i++) payloads.push(new Uint8Array(256).fill(i & 0xff));
  const log = leader.rn.raft.raftLog;
  const target = log.committed + total;
  let gcFreed = 0;
  const used0 = getHeapStatistics().used_heap_size;
  let lastUsed = used0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  while (log.committed < target || nodes.some((n) => n.applied < target)) {
    if (log.lastIndex() < target) {
      if (SINGLE) for (let i = 0; i < payloads.length; i++) leader.rn.propose(payloads[i]!);
      else leader.rn.proposeBatch(payloads);
    }
    // Two pumps per batch: the next batch is proposed while this one is in flight.
    pump(nodes, byId, out);
    pump(nodes, byId, out);
    if (sampleHeap) {
      const used = getHeapStatistics().used_heap_size;
      if (used < lastUsed) gcFreed += lastUsed - used;
      lastUsed = used;
    }
  }
  const t1 = process.hrtime.bigint();
  const cpu = process.cpuUsage(cpu0);
  const allocated = getHeapStatistics().used_heap_size - used0 + gcFreed;
  return {
    secs: Number(t1 - t0) / 1e9,
    cpuSecs: (cpu.user + cpu.system) / 1e6,
    bytesPerEntry: allocated / total,
  };
}

// Warm up the JIT, then measure.
run(Math.min(200_000, TOTAL), BATCH, false);
const wall: number[] = [];
const cpu: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  const r = run(TOTAL, BATCH, false);
  wall.push(TOTAL / r.secs);
  cpu.push(TOTAL / r.cpuSecs);
}
const alloc = run(Math.min(TOTAL, 500_000), BATCH, true);
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!;
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
console.log(
  `raft bench: 3 nodes in memory, ${TOTAL} entries of 256 B, ${BATCH} per pump ${SINGLE ? 'as single propose() calls' : 'in one proposeBatch()'}, ${ROUNDS} rounds`,
);
console.log(`committed entries/s (median, wall clock): ${fmt(median(wall))}`);
console.log(`committed entries per CPU-second (median): ${fmt(median(cpu))}`);
console.log(`rounds (wall): ${wall.map(fmt).join(', ')}`);
console.log(
  `heap bytes allocated per entry (approx., all 3 nodes, GC included): ${Math.round(alloc.bytesPerEntry)}`,
);
