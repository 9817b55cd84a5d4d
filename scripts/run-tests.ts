// Runs every compiled test file with node:test. Test files live under test/ and end in
// .test.ts; they are compiled to dist/test/**.test.js by `npm run build`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function collect(dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
}

const files: string[] = [];
collect('dist/test', files);
files.sort();
const filter = process.argv.slice(2);
const chosen = filter.length ? files.filter((f) => filter.some((x) => f.includes(x))) : files;
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...chosen], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
