import assert from 'node:assert/strict';
import { test } from 'node:test';
import { muxCleanPath } from '../../src/api/keys-form.js';

// Go's ServeMux cleanPath, written the long way (split, drop '' and '.', pop on '..').
function reference(p: string): string {
  if (p === '') return '/';
  if (p[0] !== '/') p = `/${p}`;
  const parts: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  let np = `/${parts.join('/')}`;
  if (p.endsWith('/') && np !== '/') np += '/';
  return np;
}

test('muxCleanPath (with its already-clean fast path) equals the split-and-join cleaning on every path of up to 8 characters from "/", ".", "a"', () => {
  const alphabet = ['/', '.', 'a'];
  let paths = [''];
  let checked = 0;
  for (let len = 0; len <= 8; len++) {
    for (const p of paths) {
      assert.equal(muxCleanPath(p), reference(p), JSON.stringify(p));
      checked++;
    }
    paths = paths.flatMap((p) => alphabet.map((c) => p + c));
  }
  assert.equal(checked, (3 ** 9 - 1) / 2);
  assert.equal(muxCleanPath('/v2/keys/a.b/..c/...'), '/v2/keys/a.b/..c/...');
  assert.equal(muxCleanPath('/v2/keys/a/./b'), '/v2/keys/a/b');
});
