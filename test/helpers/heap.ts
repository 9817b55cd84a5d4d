// How much a piece of work leaves on V8's heap: for tests that hold what a structure keeps
// alive. Strings over ~1 MB are external (off this heap), so such tests use smaller ones.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** V8's collector, exposed at run time (the suite runs without --expose-gc). */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** The bytes by which the heap's live size grew over `work`, each side fully collected. */
export function heapGrowth(work: () => void): number {
  const gc = collector();
  gc();
  const before = process.memoryUsage().heapUsed;
  work();
  gc();
  return process.memoryUsage().heapUsed - before;
}
