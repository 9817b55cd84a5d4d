// kill -9 a writer at random moments, many times over the same WAL: every index it reported
// synced must be read back, with its content, and the log must keep opening cleanly.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { WAL } from '../../src/wal/wal.js';
import { crashEntry, tempDir } from './helpers.js';

const KILLS = 21;
const writer = new URL('./crash-writer.js', import.meta.url).pathname;

interface Run {
  synced: number;
}

interface Writer {
  /** Starts writing; resolves once killed, with the last index it reported synced. */
  go(delayMs: number): Promise<Run>;
  kill(): void;
}

/** Spawns a writer that waits for "go": node's start-up overlaps the previous round. */
function spawnWriter(dir: string, term: number): Writer {
  const p = spawn(process.execPath, [writer, dir, String(term)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let synced = 0;
  let armed = false;
  let delay = 0;
  p.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    const lines = out.split('\n');
    for (const l of lines.slice(0, -1)) {
      const m = /^synced (\d+)$/.exec(l);
      if (m) synced = Math.max(synced, Number(m[1]));
    }
    out = lines[lines.length - 1]!;
    if (!armed && synced > 0) {
      armed = true;
      setTimeout(() => p.kill('SIGKILL'), delay);
    }
  });
  p.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<Run>((resolve, reject) => {
    p.on('error', reject);
    p.on('exit', (code, sig) => {
      if (sig !== 'SIGKILL') reject(new Error(`writer exited with ${code ?? sig}: ${err}`));
      else resolve({ synced });
    });
  });
  exited.catch(() => {}); // observed through go()
  return {
    go(delayMs: number) {
      delay = delayMs;
      p.stdin.write('go\n');
      return exited;
    },
    kill() {
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    },
  };
}

test(`a writer killed -9 at random moments ${KILLS} times loses nothing it reported synced`, async () => {
  const t = tempDir('wal-crash-');
  let seed = Number(process.env.WAL_CRASH_SEED ?? Date.now() % 100000);
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const startSeed = seed;
  let next: Writer | null = null;
  try {
    const dir = join(t.dir, 'member', 'wal');
    let reported = 0;
    let repairs = 0;
    let zeroTails = 0;
    next = spawnWriter(dir, 1);
    for (let k = 1; k <= KILLS; k++) {
      const current = next;
      const pending = current.go(rand(40));
      next = spawnWriter(dir, k + 1);
      const run = await pending;
      reported = Math.max(reported, run.synced);
      const w = await WAL.open(dir, { index: 0, term: 0 });
      if (w.repaired?.preallocated) zeroTails++;
      else if (w.repaired) repairs++;
      const c = await w.readAll();
      await w.close();
      assert.ok(
        c.entries.length >= reported,
        `seed ${startSeed}, kill ${k}: ${reported} reported synced, only ${c.entries.length} read back`,
      );
      for (let i = 0; i < c.entries.length; i++) {
        const e = c.entries[i]!;
        assert.equal(e.index, i + 1);
        assert.deepEqual(e, crashEntry(e.index, e.term), `seed ${startSeed}: entry ${e.index}`);
      }
      // What was read back is what the next writer continues from.
      reported = c.entries.length;
    }
    assert.ok(reported > KILLS, 'the writers made progress');
    process.stdout.write(
      `# crash test: ${reported} entries, ${repairs} torn tails cut, ${zeroTails} preallocated tails trimmed\n`,
    );
  } finally {
    next?.kill();
    t.cleanup();
  }
});
