// Time and deferral for the server layer, injected so the same loop runs on real timers
// in a process and on simulated time in the simulator.

export interface Cancel {
  cancel(): void;
}

export interface Scheduler {
  /** Wall-clock milliseconds (TTL expirations, stats start times, request deadlines). */
  now(): number;
  /** Monotonic milliseconds (durations). */
  monotonic(): number;
  /** Calls fn every ms milliseconds until cancelled (the raft tick source). */
  every(ms: number, fn: () => void): Cancel;
  /** Calls fn once after ms milliseconds. */
  after(ms: number, fn: () => void): Cancel;
  /** Calls fn soon, after the current turn (I/O callbacks may run first). */
  soon(fn: () => void): void;
}

/** Node's timers and clocks. */
export const realScheduler: Scheduler = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  every(ms, fn) {
    const t = setInterval(fn, ms);
    return { cancel: () => clearInterval(t) };
  },
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
  soon(fn) {
    setImmediate(fn);
  },
};
