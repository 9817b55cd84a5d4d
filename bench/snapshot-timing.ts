// How long a member takes to save one snapshot, measured the same way for each
// implementation as far as each allows:
//   Go 2.0.13 and 3.4 log "start to snapshot" when one is triggered and "saved snapshot at
//   index N" once it is on disk: the time between the two lines' arrival on its stderr;
//   ours logs only the second, but times the whole save itself (from the trigger to the
//   same log line) in etcd_debugging_snap_save_total_duration_seconds at /metrics: the
//   increase of that histogram's sum.
import type { Started } from '../test/helpers/process.js';
import type { Member } from './launch.js';

const START = /start to snapshot/;
const SAVED = /saved snapshot at index/;

/** Arrival times of a process's snapshot log lines, from the moment it is attached. */
export class SnapshotLog {
  starts: number[] = [];
  saves: number[] = [];
  private partial = '';

  constructor(p: Started) {
    const onData = (d: Buffer) => {
      const at = performance.now();
      const lines = (this.partial + d.toString()).split('\n');
      this.partial = lines.pop() ?? '';
      for (const l of lines) {
        if (START.test(l)) this.starts.push(at);
        else if (SAVED.test(l)) this.saves.push(at);
      }
    };
    p.proc.stdout?.on('data', onData);
    p.proc.stderr?.on('data', onData);
  }
}

async function snapMetric(m: Member): Promise<{ sum: number; count: number } | null> {
  try {
    const text = await (await fetch(`${m.clientUrl}/metrics`)).text();
    const sum = /^etcd_debugging_snap_save_total_duration_seconds_sum (\S+)$/m.exec(text);
    const count = /^etcd_debugging_snap_save_total_duration_seconds_count (\S+)$/m.exec(text);
    // Before its first observation a histogram may not be listed at all.
    if (!/^etcd_/m.test(text)) return null;
    return { sum: Number(sum?.[1] ?? 0), count: Number(count?.[1] ?? 0) };
  } catch {
    return null;
  }
}

/**
 * Runs `load` (writes) until the member has started a new snapshot, stops it, and returns
 * that snapshot's save time in ms and how it was measured.
 */
export async function timeNextSnapshot(
  m: Member,
  log: SnapshotLog,
  ours: boolean,
  load: (stop: () => boolean) => Promise<unknown>,
): Promise<{ ms: number; how: string }> {
  const starts = log.starts.length;
  const saves = log.saves.length;
  const before = ours ? await snapMetric(m) : null;
  // Ours has no start line: its load stops at the saved line (it serves writes meanwhile).
  const started = () =>
    ours && before
      ? log.saves.length > saves
      : log.starts.length > starts || log.saves.length > saves;
  await load(started);
  const deadline = performance.now() + 600_000;
  while (log.saves.length <= saves) {
    if (performance.now() > deadline) throw new Error('no snapshot saved within 10 minutes');
    await new Promise((r) => setTimeout(r, 5));
  }
  if (ours && before) {
    const after = await snapMetric(m);
    if (after && after.count > before.count) {
      return {
        ms: ((after.sum - before.sum) / (after.count - before.count)) * 1000,
        how: 'its own /metrics snap save histogram',
      };
    }
  }
  if (log.starts.length > starts) {
    return { ms: log.saves[saves]! - log.starts[starts]!, how: 'start→saved log lines' };
  }
  throw new Error(
    `snapshot saved but its start was not seen (no start line, no metric: ${JSON.stringify(before)})`,
  );
}
