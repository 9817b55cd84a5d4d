// Starting a bench's floor: a bare Node server (watch-floor.ts, latency-floor.ts) that does
// the least a load needs, run as its own process and ended by its PID.
import { fileURLToPath } from 'node:url';
import { spawnTracked } from './procs.js';

export interface FloorTarget {
  label: string;
  clientUrl: string;
  host: string;
  pid(): number;
}

/** Starts `script` (a file beside this one); resolves once it says which port it listens on. */
export function startFloor(
  script: string,
  args: string[] = [],
): Promise<{ target: FloorTarget; stop(): Promise<unknown> }> {
  const file = fileURLToPath(new URL(`./${script}`, import.meta.url));
  const p = spawnTracked(process.execPath, [file, ...args]);
  return new Promise((resolve, reject) => {
    const onData = () => {
      const m = /listening (\d+)/.exec(p.output());
      if (m === null) return;
      p.proc.stdout!.off('data', onData);
      const host = `127.0.0.1:${m[1]}`;
      const target = { label: 'floor', clientUrl: `http://${host}`, host, pid: () => p.proc.pid! };
      resolve({ target, stop: () => p.stop() });
    };
    p.proc.stdout!.on('data', onData);
    p.exited.then((code) => reject(new Error(`${script} exited (${code}):\n${p.output()}`)));
  });
}

/** Runs `f` against a floor started for it, and stops the floor. */
export async function onFloor<T>(
  script: string,
  f: (target: FloorTarget) => Promise<T>,
  args: string[] = [],
): Promise<T> {
  const floor = await startFloor(script, args);
  try {
    return await f(floor.target);
  } finally {
    await floor.stop();
  }
}
