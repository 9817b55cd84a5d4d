// Go's time.Time JSON form and int64 UnixNano, kept as (whole ms, ns within the ms).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatGoTime, parseGoTime, splitUnixNano, unixNano } from '../../src/pkg/go-time.js';

test('times are RFC 3339 to the nanosecond with trailing zeros trimmed', () => {
  const t = Date.UTC(2026, 0, 2, 3, 4, 5, 0);
  assert.equal(formatGoTime(t, 0), '2026-01-02T03:04:05Z');
  assert.equal(formatGoTime(t + 400, 0), '2026-01-02T03:04:05.4Z');
  assert.equal(formatGoTime(t + 123, 456_789), '2026-01-02T03:04:05.123456789Z');
  assert.equal(formatGoTime(t, 1), '2026-01-02T03:04:05.000000001Z');
  assert.equal(formatGoTime(-1, 999_999), '1969-12-31T23:59:59.999999999Z');
  // A fractional ms counts to the microsecond.
  assert.equal(formatGoTime(t + 123.4567), '2026-01-02T03:04:05.123457Z');
  assert.equal(formatGoTime(t + 999.9999), '2026-01-02T03:04:06Z');
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

test('unixNano: whole ms as int64 nanoseconds', () => {
  assert.equal(unixNano(1_700_000_000_123.9), 1_700_000_000_123_000_000n);
});
