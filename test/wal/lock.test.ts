import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  checkWritable,
  DirLockedError,
  isDirLocked,
  LOCK_FILE_NAME,
  lockDir,
} from '../../src/pkg/fileutil.js';
import { WAL } from '../../src/wal/wal.js';
import { META, tempDir } from './helpers.js';

/** Runs a child node process that takes the lock on `dir`; resolves with its output. */
function childLock(dir: string, die = false): Promise<string> {
  const mod = new URL('../../src/pkg/fileutil.js', import.meta.url).href;
  const after = die ? "process.stdout.write('', () => process.kill(process.pid, 'SIGKILL'));" : '';
  const code = `import(${JSON.stringify(mod)}).then((m) => {
    try { m.lockDir(${JSON.stringify(dir)}); console.log('locked'); }
    catch (e) { console.log(e.name + ': ' + e.message); }
    ${after}
  });`;
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    p.on('error', reject);
    p.on('exit', () => resolve(out.trim()));
  });
}

test('a second process cannot lock a locked dir; it can once the lock is released', async () => {
  const t = tempDir('lock-test-');
  try {
    const lock = lockDir(t.dir);
    const out = await childLock(t.dir);
    assert.match(
      out,
      new RegExp(
        `DirLockedError: cannot lock .*in use by another process \\(pid ${process.pid}\\)`,
      ),
    );
    assert.throws(() => lockDir(t.dir), DirLockedError); // same process, second open
    lock.release();
    assert.equal(existsSync(join(t.dir, LOCK_FILE_NAME)), false);
    assert.equal(await childLock(t.dir), 'locked');
    assert.equal(existsSync(join(t.dir, LOCK_FILE_NAME)), false, 'released on normal exit');
    assert.equal(await childLock(t.dir, true), 'locked');
    // The child was killed holding it (kill -9): the lock is stale and taken over.
    assert.equal(existsSync(join(t.dir, LOCK_FILE_NAME)), true);
    const again = lockDir(t.dir);
    assert.match(readFileSync(again.path, 'utf8'), new RegExp(`^${process.pid} `));
    again.release();
  } finally {
    t.cleanup();
  }
});

test('a lock left by a reused PID (same pid, other start time) is stale', () => {
  const t = tempDir('lock-test-');
  try {
    const file = join(t.dir, LOCK_FILE_NAME);
    writeFileSync(file, `${process.pid} 1\n`);
    assert.equal(isDirLocked(t.dir), false, "a reused PID's lock is stale");
    const lock = lockDir(t.dir);
    const mine = readFileSync(file, 'utf8');
    assert.match(mine, new RegExp(`^${process.pid} \\d+\\n$`));
    assert.notEqual(mine, `${process.pid} 1\n`, 'the stale lock was replaced by ours');
    assert.equal(isDirLocked(t.dir), true);
    lock.release();
    assert.equal(isDirLocked(t.dir), false);
    // A torn lock (a crash while writing it) is stale too.
    writeFileSync(file, 'torn');
    assert.equal(isDirLocked(t.dir), false);
    const again = lockDir(t.dir);
    assert.equal(isDirLocked(t.dir), true);
    again.release();
  } finally {
    t.cleanup();
  }
});

test('WAL.open takes the lock: a second open of the same WAL fails clearly', async () => {
  const t = tempDir('lock-test-');
  try {
    const dir = join(t.dir, 'wal');
    const w = await WAL.create(dir, META);
    await assert.rejects(WAL.open(dir, { index: 0, term: 0 }), /in use by another process/);
    await w.close();
    const r = await WAL.open(dir, { index: 0, term: 0 });
    await r.close();
  } finally {
    t.cleanup();
  }
});

test('checkWritable passes on a writable dir and names a read-only one', () => {
  const t = tempDir('lock-test-');
  try {
    checkWritable(t.dir);
    assert.throws(() => checkWritable(join(t.dir, 'missing')), /missing is not writable/);
    if (process.getuid?.() === 0) return; // root writes everywhere: nothing more to show
    chmodSync(t.dir, 0o500);
    assert.throws(() => checkWritable(t.dir), /is not writable/);
    chmodSync(t.dir, 0o700);
  } finally {
    t.cleanup();
  }
});

test('locking a missing dir fails with a clear error', () => {
  const t = tempDir('lock-test-');
  try {
    assert.throws(() => lockDir(join(t.dir, 'nope')), /cannot lock .*nope: ENOENT/);
  } finally {
    t.cleanup();
  }
});

/** A child that tries the lock, reports, and holds whatever it got until told to exit. */
function contender(dir: string): { result: Promise<string>; release(): Promise<void> } {
  const mod = new URL('../../src/pkg/fileutil.js', import.meta.url).href;
  const code = `import(${JSON.stringify(mod)}).then((m) => {
    try { m.lockDir(${JSON.stringify(dir)}); console.log('locked'); }
    catch (e) { console.log(e.name + ': ' + e.message); }
    process.stdin.resume();
    process.stdin.on('end', () => process.exit(0));
  });`;
  const p = spawn(process.execPath, ['-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => p.on('exit', () => r()));
  const result = new Promise<string>((resolve) => {
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    p.on('exit', () => resolve(out.trim()));
  });
  return {
    result,
    release: () => {
      p.stdin.end();
      return exited;
    },
  };
}

test('contenders for a stale lock: exactly one wins', async () => {
  const t = tempDir('lock-test-');
  try {
    // A lock left by a process that is gone.
    assert.equal(await childLock(t.dir, true), 'locked');
    const cs = [1, 2, 3, 4].map(() => contender(t.dir));
    const outs = await Promise.all(cs.map((c) => c.result));
    await Promise.all(cs.map((c) => c.release()));
    assert.equal(outs.filter((o) => o === 'locked').length, 1, outs.join(' | '));
    for (const o of outs) if (o !== 'locked') assert.match(o, /^DirLockedError: /);
  } finally {
    t.cleanup();
  }
});
