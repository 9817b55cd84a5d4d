// Child process for the crash test: opens (or creates) the WAL in argv[2], checks what it
// reads, then appends batches forever, printing "synced <index>" after each save resolves.
// The parent kill -9s it at random moments and checks every reported index survived.
import { WAL } from '../../src/wal/wal.js';
import { crashEntry, META } from './helpers.js';

const dir = process.argv[2]!;
const term = Number(process.argv[3]);
const segmentSize = 64 * 1024;

async function main(): Promise<void> {
  let w: WAL;
  let last = 0;
  if (WAL.exists(dir)) {
    w = await WAL.open(dir, { index: 0, term: 0 }, { segmentSize });
    const c = await w.readAll();
    last = c.entries.length;
  } else {
    w = await WAL.create(dir, META, { segmentSize });
  }
  let seed = term * 7919;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (;;) {
    const n = 1 + rand(40);
    const batch = [];
    for (let i = 1; i <= n; i++) batch.push(crashEntry(last + i, term));
    await w.save({ term, vote: 'a', commit: last }, batch);
    last += n;
    process.stdout.write(`synced ${last}\n`);
    // Sometimes a commit-only hard state: written without a sync (as etcd).
    if (rand(3) === 0) await w.save({ term, vote: 'a', commit: last }, []);
  }
}

// Started ahead of time (node takes a while to start); begins when told "go" on stdin.
process.stdin.once('data', () => {
  main().catch((e) => {
    process.stderr.write(`crash-writer: ${(e as Error).stack}\n`);
    process.exit(2);
  });
});
