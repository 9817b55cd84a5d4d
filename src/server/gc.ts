// A full garbage collection on demand, without --expose-gc on the command line (the flag
// is set at run time and gc() fetched from a fresh context). Used after a snapshot, which
// leaves several store-sized buffers behind: collecting them at once keeps the resident
// size near the live size instead of letting it grow by a snapshot's worth each time.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gcFn: (() => void) | null | undefined;

export function collectGarbage(): void {
  if (gcFn === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gcFn = runInNewContext('gc') as () => void;
    } catch {
      gcFn = null;
    }
  }
  gcFn?.();
}
