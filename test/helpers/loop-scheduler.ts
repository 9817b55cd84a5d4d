// A Scheduler for driving the raft loop by hand: time stands still at 0, work asked to run
// "soon" runs as a microtask, and the loop asks for no timers (a call fails the test).
import type { Scheduler } from '../../src/server/scheduler.js';

export function loopScheduler(): Scheduler {
  return {
    now: () => 0,
    monotonic: () => 0,
    every: () => {
      throw new Error('no timers');
    },
    after: () => {
      throw new Error('no timers');
    },
    soon: (fn) => queueMicrotask(fn),
  };
}
