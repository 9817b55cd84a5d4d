// The inline-write policy: small synced batches on the loop (after a run of them), large
// ones and everything after a slow write (until the pause ends) through the thread pool;
// bytes land exactly.
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  INLINE_MAX_BYTES,
  InlineWrites,
  MAX_PAUSE_MS,
  PAUSE_MS,
  SLOW_WRITE_MS,
  SMALL_RUN,
} from '../../src/wal/inline-writes.js';
import { tempDir } from '../helpers/process.js';

test('InlineWrites: size limit, exact bytes at the position, a slow write pauses it', () => {
  const dir = tempDir('inline-writes');
  const file = join(dir.path, 'f');
  const fd = openSync(file, 'w+');
  try {
    let now = 1000;
    // Each write reads the clock twice: before and after.
    const steps: number[] = [];
    const w = new InlineWrites(undefined, () => {
      now += steps.shift() ?? 0;
      return now;
    });
    // Only after a run of small batches; a large one ends the run.
    for (let i = 1; i < SMALL_RUN; i++) assert.equal(w.use(INLINE_MAX_BYTES), false, `small #${i}`);
    assert.equal(w.use(INLINE_MAX_BYTES), true);
    assert.equal(w.use(INLINE_MAX_BYTES + 1), false);
    for (let i = 1; i < SMALL_RUN; i++) assert.equal(w.use(10), false, `again small #${i}`);
    assert.equal(w.use(10), true);
    assert.equal(new InlineWrites(0).use(1), false, '0 turns it off');

    w.write(fd, Buffer.from('hello'), 0);
    w.write(fd, Buffer.from('world'), 5);
    assert.equal(readFileSync(file, 'latin1'), 'helloworld');
    assert.equal(w.use(10), true, 'fast writes keep it on');

    // A slow write with a known cause (the WAL's own zero-fill) does not pause it.
    steps.push(0, SLOW_WRITE_MS + 1);
    w.write(fd, Buffer.from('?'), 10, true);
    assert.equal(w.use(10), true, 'an excused slow write keeps it on');

    steps.push(0, SLOW_WRITE_MS + 1);
    w.write(fd, Buffer.from('!'), 10);
    assert.equal(readFileSync(file, 'latin1'), 'helloworld!');
    assert.equal(w.use(10), false, 'paused after a slow write');
    steps.push(PAUSE_MS - 1);
    assert.equal(w.use(10), false);
    steps.push(2);
    assert.equal(w.use(10), true, 'back on once the pause is over');

    // Slow again right after a pause: the pause doubles (up to MAX_PAUSE_MS).
    steps.push(0, SLOW_WRITE_MS + 1);
    w.write(fd, Buffer.from('!'), 11);
    steps.push(2 * PAUSE_MS - 1);
    assert.equal(w.use(10), false, 'a second slow write pauses it twice as long');
    steps.push(2);
    assert.equal(w.use(10), true);
    // It doubles on every slow write that follows a pause, but never past MAX_PAUSE_MS.
    for (let i = 0; i < 10; i++) {
      steps.push(0, SLOW_WRITE_MS + 1);
      w.write(fd, Buffer.from('!'), 12);
      steps.push(MAX_PAUSE_MS + 1);
      assert.equal(w.use(10), true, `slow write ${i}: never longer than MAX_PAUSE_MS`);
    }
    steps.push(0, SLOW_WRITE_MS + 1);
    w.write(fd, Buffer.from('!'), 12);
    steps.push(MAX_PAUSE_MS - 1);
    assert.equal(w.use(10), false, 'at the cap, paused for MAX_PAUSE_MS');
    steps.push(2);
    assert.equal(w.use(10), true);
    // A fast write ends the run of slow ones: the next pause is the first length again.
    w.write(fd, Buffer.from('!'), 13);
    steps.push(0, SLOW_WRITE_MS + 1);
    w.write(fd, Buffer.from('!'), 14);
    steps.push(PAUSE_MS + 1);
    assert.equal(w.use(10), true, 'after a fast write the pause starts again at PAUSE_MS');
  } finally {
    closeSync(fd);
    dir.remove();
  }
});
