import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goUnescape } from '../../src/pkg/go-query.js';

test('goUnescape: ASCII without escapes comes back as it is; bytes >= 0x80 are still decoded as UTF-8 (invalid ones as U+FFFD)', () => {
  const v = 'x'.repeat(256);
  assert.equal(goUnescape(v, true), v);
  assert.equal(goUnescape('/v2/keys/a', false), '/v2/keys/a');
  // Byte strings (latin1-decoded): "é" in UTF-8 is c3 a9.
  assert.equal(goUnescape('caf\u00c3\u00a9', true), 'café');
  assert.equal(goUnescape('caf\u00c3\u00a9', false), 'café');
  assert.equal(goUnescape('a\u00ffb', true), 'a\ufffdb');
  assert.equal(goUnescape('\u007f', true), '\u007f');
  assert.equal(goUnescape('a+b', true), 'a b');
  assert.equal(goUnescape('a+b', false), 'a+b');
});
