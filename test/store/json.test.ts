import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EtcdError } from '../../src/store/errors.js';
import { formatGoTime, parseGoTime, splitUnixNano } from '../../src/store/go-time.js';
import { errorJSON, goString } from '../../src/store/json.js';

test('strings are escaped as Go 1.19 encoding/json does', () => {
  assert.equal(
    goString('a"\\<>&\b\f\u0001\t\n\r\u2028\u2029é😀'),
    '"a\\"\\\\\\u003c\\u003e\\u0026\\u0008\\u000c\\u0001\\t\\n\\r\\u2028\\u2029é😀"',
  );
  assert.equal(goString('plain'), '"plain"');
});

test('times are RFC 3339 to the nanosecond with trailing zeros trimmed', () => {
  const t = Date.UTC(2026, 0, 2, 3, 4, 5, 0);
  assert.equal(formatGoTime(t, 0), '2026-01-02T03:04:05Z');
  assert.equal(formatGoTime(t + 400, 0), '2026-01-02T03:04:05.4Z');
  assert.equal(formatGoTime(t + 123, 456_789), '2026-01-02T03:04:05.123456789Z');
  assert.equal(formatGoTime(t, 1), '2026-01-02T03:04:05.000000001Z');
  assert.equal(formatGoTime(-1, 999_999), '1969-12-31T23:59:59.999999999Z');
});

test('Go times parse back, any offset; the zero time is "none"', () => {
  const t = Date.UTC(2026, 0, 2, 3, 4, 5, 123);
  assert.deepEqual(parseGoTime('2026-01-02T03:04:05.123456789Z'), { ms: t, ns: 456_789 });
  assert.deepEqual(parseGoTime('2026-01-02T04:04:05.123456789+01:00'), { ms: t, ns: 456_789 });
  assert.deepEqual(parseGoTime('2026-01-02T03:04:05.1Z'), { ms: t - 23, ns: 0 });
  assert.equal(parseGoTime('0001-01-01T00:00:00Z'), null);
  assert.throws(() => parseGoTime('yesterday'), /not an RFC 3339 time/);
  for (const [ms, ns] of [
    [t, 0],
    [t, 1],
    [t + 999, 999_999],
  ] as const) {
    assert.deepEqual(parseGoTime(formatGoTime(ms, ns)), { ms, ns });
  }
});

test('int64 nanoseconds split into (ms, ns within the ms), negatives floored', () => {
  assert.deepEqual(splitUnixNano(1_764_748_800_123_456_789n), {
    ms: 1_764_748_800_123,
    ns: 456_789,
  });
  assert.deepEqual(splitUnixNano(0n), { ms: 0, ns: 0 });
  assert.deepEqual(splitUnixNano(-1n), { ms: -1, ns: 999_999 });
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
