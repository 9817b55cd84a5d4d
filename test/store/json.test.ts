import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EtcdError } from '../../src/store/errors.js';
import { errorJSON, goString } from '../../src/store/json.js';

test('strings are escaped as Go 1.19 encoding/json does', () => {
  assert.equal(
    goString('a"\\<>&\b\f\u0001\t\n\r\u2028\u2029é😀'),
    '"a\\"\\\\\\u003c\\u003e\\u0026\\u0008\\u000c\\u0001\\t\\n\\r\\u2028\\u2029é😀"',
  );
  assert.equal(goString('plain'), '"plain"');
});

test('errors: field order, cause omitted when empty', () => {
  assert.equal(
    errorJSON(new EtcdError(100, '/a', 3)),
    '{"errorCode":100,"message":"Key not found","cause":"/a","index":3}',
  );
  assert.equal(
    errorJSON(new EtcdError(102, '', 3)),
    '{"errorCode":102,"message":"Not a file","index":3}',
  );
  const e = new EtcdError(401, 'x', 9);
  assert.equal(e.status, 400);
  assert.equal(new EtcdError(300, 'x', 0).status, 500);
  assert.deepEqual(JSON.parse(JSON.stringify(e)), {
    errorCode: 401,
    message: 'The event in requested index is outdated and cleared',
    cause: 'x',
    index: 9,
  });
});

test('sorted listings follow code points (Go compares UTF-8 bytes)', async () => {
  const { compareKeys } = await import('../../src/store/event.js');
  const keys = ['/\u{1F600}', '/\uFF5E', '/b', '/a', '/ab'];
  assert.deepEqual([...keys].sort(compareKeys), ['/a', '/ab', '/b', '/\uFF5E', '/\u{1F600}']);
});
