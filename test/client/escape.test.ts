// URL building as Go's net/url, and Go's JSON string escaping for `-o json`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goJsonString } from '../../src/cli/etcdctl/format.js';
import {
  canonicalPath,
  encodePairs,
  escapePath,
  keyPath,
  queryEscape,
} from '../../src/client/escape.js';

test('paths: cleaned, rooted, trailing slash kept, escaped as URL.EscapedPath', () => {
  assert.equal(canonicalPath('a//b/./c/../d/'), '/a/b/d/');
  assert.equal(canonicalPath(''), '/');
  assert.equal(keyPath('', '/v2/keys', 'foo'), '/v2/keys/foo');
  assert.equal(keyPath('', '/v2/keys', '/'), '/v2/keys/');
  assert.equal(
    escapePath("/a b?#%ü*!'()$&+,:;=@~"),
    '/a%20b%3F%23%25%C3%BC%2A%21%27%28%29$&+,:;=@~',
  );
});

test("query values as url.QueryEscape, pairs in the caller's order", () => {
  assert.equal(queryEscape("a b+c&d=e*~'"), 'a+b%2Bc%26d%3De%2A~%27');
  assert.equal(
    encodePairs([
      ['ttl', '5'],
      ['value', 'x y'],
    ]),
    'ttl=5&value=x+y',
  );
});

test('JSON strings escaped as Go does', () => {
  assert.equal(goJsonString('<a&b>'), '"\\u003ca\\u0026b\\u003e"');
  assert.equal(goJsonString('\u2028\u2029'), '"\\u2028\\u2029"');
  assert.equal(goJsonString('\b\f\n\t"\\'), '"\\u0008\\u000c\\n\\t\\"\\\\"');
  assert.equal(goJsonString('\\b'), '"\\\\b"');
});
