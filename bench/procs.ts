// Every process and temp dir a bench starts is registered here, so that it is ended by its
// own PID and removed even when the bench fails or is interrupted (^C, a closed pipe).
import { type Started, start, tempDir } from '../test/helpers/process.js';

const running = new Set<Started>();
const dirs = new Set<{ remove(): void }>();

function killAll(): void {
  for (const p of running) {
    if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
  }
  for (const d of dirs) d.remove();
}

process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGPIPE', 'SIGHUP'] as const) {
  process.on(sig, () => {
    killAll();
    process.exit(1);
  });
}

/** Starts a process that is SIGKILLed by PID if still running when the bench exits. */
export function spawnTracked(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Started {
  const p = start(cmd, args, env);
  running.add(p);
  p.exited.then(() => running.delete(p));
  return p;
}

/** A temp dir under os.tmpdir() that is removed when the bench exits. */
export function benchDir(prefix: string): { path: string; remove(): void } {
  const d = tempDir(prefix);
  const entry = {
    path: d.path,
    remove() {
      d.remove();
      dirs.delete(entry);
    },
  };
  dirs.add(entry);
  return entry;
}

/** Runs a bench's main: exit 0 when done, 1 with the error printed when it fails. */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
