// What the benches read from the machine: a process's resident memory, and the disk's raw
// fdatasync rate (the physical limit of sequential acknowledged writes).
import { closeSync, fdatasyncSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const MiB = 1024 * 1024;

/** Resident set size of a process, in bytes (0 if it is gone). */
export function rssBytes(pid: number): number {
  return statusKiB(pid, 'VmRSS') * 1024;
}

/**
 * The most a process has held resident since it started (VmHWM), in bytes. Steadier than
 * RSS at one moment: a garbage-collected heap is anywhere between its live size and the
 * next collection's trigger when RSS is read (2.0.13's moved 176-509 MiB at 100,000 keys).
 */
export function peakRssBytes(pid: number): number {
  return statusKiB(pid, 'VmHWM') * 1024;
}

function statusKiB(pid: number, field: string): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Appends 4 KiB and fdatasyncs, in a loop for `seconds`, in a file under `dir` (put it on
 * the data dirs' filesystem). A WAL appends the same way, so this bounds one-at-a-time
 * acknowledged writes. Returns syncs per second.
 */
export function fdatasyncRate(dir: string, seconds: number): number {
  const file = join(dir, 'fdatasync-probe');
  const fd = openSync(file, 'a');
  const buf = Buffer.alloc(4096, 7);
  let n = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  try {
    while (performance.now() < end) {
      writeSync(fd, buf);
      fdatasyncSync(fd);
      n++;
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  return n / ((performance.now() - t0) / 1000);
}

/** CPU time a process has used so far, user and system, in seconds (Linux /proc). */
export function cpuSeconds(pid: number): { user: number; system: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state: utime is 14th.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const hz = 100; // USER_HZ on Linux
    return { user: Number(f[11]) / hz, system: Number(f[12]) / hz };
  } catch {
    return { user: 0, system: 0 };
  }
}

/** Total CPU seconds (user + system) used so far by these processes. */
export function cpuTotal(pids: number[]): number {
  return pids.reduce((a, pid) => {
    const c = cpuSeconds(pid);
    return a + c.user + c.system;
  }, 0);
}

/** Runs `run` and adds the CPU µs these processes spent per request it made. */
export async function perRequestCpu<R extends { requests: number }>(
  pids: number[],
  run: () => Promise<R>,
): Promise<R & { cpuUs: number }> {
  const c0 = cpuTotal(pids);
  const r = await run();
  return { ...r, cpuUs: ((cpuTotal(pids) - c0) / Math.max(1, r.requests)) * 1e6 };
}
