// Every relative link in docs/*.md and README.md points at a file that exists and, with
// a #fragment, at a heading of that file (GitHub's anchors).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** GitHub's heading anchor: lower case, punctuation dropped, spaces as dashes. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replaceAll(' ', '-');
}

function anchors(file: string): Set<string> {
  const out = new Set<string>();
  let inFence = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    const h = /^#{1,6} (.*)$/.exec(line);
    if (h && !inFence) out.add(slug(h[1]!));
  }
  return out;
}

test('relative links in the documentation resolve', () => {
  const files = [
    join(ROOT, 'README.md'),
    ...readdirSync(join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => join(ROOT, 'docs', f)),
  ];
  const broken: string[] = [];
  let checked = 0;
  for (const file of files) {
    const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      if (/^[a-z]+:/.test(target)) continue;
      checked++;
      const [path, fragment] = target.split('#') as [string, string | undefined];
      const dest = path === '' ? file : join(dirname(file), path);
      if (!existsSync(dest)) broken.push(`${file}: ${target} (no such file)`);
      else if (fragment && dest.endsWith('.md') && !anchors(dest).has(fragment))
        broken.push(`${file}: ${target} (no such heading)`);
    }
  }
  assert.ok(checked > 20, `only ${checked} links`);
  assert.deepEqual(broken, []);
});
