// Go's time.Time in JSON (RFC 3339 with up to nine fractional digits, trailing zeros
// trimmed), for times kept as (whole ms since the epoch, ns within that ms).

/** Go's zero time.Time, as it appears in etcd's snapshots for "no expiry". */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** RFC3339Nano in UTC of ms + ns (ms a whole number, ns 0..999999). */
export function formatGoTime(ms: number, ns: number): string {
  const iso = new Date(ms).toISOString(); // 2006-01-02T15:04:05.000Z (or ±YYYYYY for far years)
  const dot = iso.lastIndexOf('.');
  const msPart = ms - Math.floor(ms / 1000) * 1000;
  let frac = String(msPart * 1_000_000 + ns).padStart(9, '0');
  let end = frac.length;
  while (end > 0 && frac.charCodeAt(end - 1) === 48) end--;
  frac = frac.slice(0, end);
  return frac === '' ? `${iso.slice(0, dot)}Z` : `${iso.slice(0, dot)}.${frac}Z`;
}

const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

/**
 * Parses Go's JSON time (any offset). Returns null for Go's zero time, throws on anything
 * that is not RFC 3339.
 */
export function parseGoTime(s: string): { ms: number; ns: number } | null {
  const m = RFC3339.exec(s);
  if (m === null) throw new Error(`not an RFC 3339 time: ${JSON.stringify(s)}`);
  let sec = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6]),
  );
  // Date.UTC maps years 0-99 to 1900-1999; Go's zero time is year 1.
  if (Number(m[1]) < 100) {
    const d = new Date(sec);
    d.setUTCFullYear(Number(m[1]));
    sec = d.getTime();
  }
  const z = m[8]!;
  if (z !== 'Z') {
    const off = (Number(z.slice(1, 3)) * 60 + Number(z.slice(4, 6))) * 60_000;
    sec += z[0] === '+' ? -off : off;
  }
  const frac = Number((m[7] ?? '').padEnd(9, '0'));
  const ms = sec + Math.floor(frac / 1_000_000);
  const ns = frac % 1_000_000;
  if (ms === GO_ZERO_MS && ns === 0) return null;
  return { ms, ns };
}

/** Go's zero time in ms since the epoch (0001-01-01T00:00:00Z). */
export const GO_ZERO_MS = -62135596800000;

/** An int64 of ns since the epoch as (ms, ns within the ms); 0 stays (0, 0). */
export function splitUnixNano(t: bigint): { ms: number; ns: number } {
  let ms = t / 1_000_000n;
  let ns = t % 1_000_000n;
  if (ns < 0n) {
    ns += 1_000_000n;
    ms -= 1n;
  }
  return { ms: Number(ms), ns: Number(ns) };
}

/** (ms, ns within the ms) as an int64 of ns since the epoch. */
export function joinUnixNano(ms: number, ns: number): bigint {
  return BigInt(ms) * 1_000_000n + BigInt(ns);
}
