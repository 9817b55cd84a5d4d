import assert from 'node:assert/strict';
import { test } from 'node:test';
import { muxCleanPath, splitCleanPath } from '../../src/api/keys-form.js';

// splitCleanPath is Go's ServeMux cleanPath written the long way (split, drop '' and '.',
// pop on '..'); muxCleanPath skips it for the paths it finds already clean.
test('muxCleanPath (with its already-clean fast path) equals the split-and-join cleaning on every path of up to 8 characters from "/", ".", "a"', () => {
  const alphabet = ['/', '.', 'a'];
  let paths = [''];
  let checked = 0;
  for (let len = 0; len <= 8; len++) {
    for (const p of paths) {
      assert.equal(muxCleanPath(p), splitCleanPath(p), JSON.stringify(p));
      checked++;
    }
    paths = paths.flatMap((p) => alphabet.map((c) => p + c));
  }
  assert.equal(checked, (3 ** 9 - 1) / 2);
  assert.equal(muxCleanPath('/v2/keys/a.b/..c/...'), '/v2/keys/a.b/..c/...');
  assert.equal(muxCleanPath('/v2/keys/a/./b'), '/v2/keys/a/b');
});
