// Paths of committed fixtures (test/fixtures/), from the compiled tests in dist/test/.
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Absolute path of test/fixtures/<parts...>. */
export function fixturePath(...parts: string[]): string {
  return [ROOT.replace(/\/$/, ''), 'test', 'fixtures', ...parts].join('/');
}
