// BusyPoll with a fake clock and scheduler: it keeps the loop polling for a window after
// each answer, and stops trying for a while after spells that caught no request.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BACKOFF_MS, BusyPoll, MAX_MISSES, WINDOW_MS } from '../../../src/pkg/http1/busy-poll.js';

function harness() {
  let now = 0;
  const queue: (() => void)[] = [];
  const bp = new BusyPoll(
    () => now,
    (f) => queue.push(f),
  );
  return {
    bp,
    queue,
    advance(ms: number) {
      now += ms;
    },
    /** Runs queued turns while time moves by `step` per turn; returns how many ran. */
    drain(step: number): number {
      let turns = 0;
      while (queue.length > 0) {
        queue.shift()!();
        now += step;
        turns++;
      }
      return turns;
    },
  };
}

test('an answer keeps the loop turning for the window, then it stops', () => {
  const h = harness();
  h.bp.answered();
  const turns = h.drain(WINDOW_MS / 10);
  assert.ok(turns >= 10 && turns <= 12, `turns: ${turns}`);
  assert.equal(h.queue.length, 0);
});

test('another answer within the window extends it without a second spinner', () => {
  const h = harness();
  h.bp.answered();
  h.queue.shift()!();
  h.bp.request();
  h.bp.answered();
  assert.equal(h.queue.length, 1, 'one spinner');
});

test(`after ${MAX_MISSES} spells without a request it rests for ${BACKOFF_MS} ms`, () => {
  const h = harness();
  for (let i = 0; i < MAX_MISSES; i++) {
    h.bp.answered();
    h.drain(WINDOW_MS);
  }
  h.bp.answered();
  assert.equal(h.queue.length, 0, 'resting');
  h.advance(BACKOFF_MS);
  h.bp.answered();
  assert.equal(h.queue.length, 1, 'polling again');
});

test('a spell that caught a request resets the misses', () => {
  const h = harness();
  for (let i = 0; i < MAX_MISSES - 1; i++) {
    h.bp.answered();
    h.drain(WINDOW_MS);
  }
  h.bp.answered();
  h.bp.request();
  h.drain(WINDOW_MS);
  for (let i = 0; i < MAX_MISSES - 1; i++) {
    h.bp.answered();
    h.drain(WINDOW_MS);
  }
  h.bp.answered();
  assert.equal(h.queue.length, 1, 'still polling');
});
