// Go's times and durations: time.Time as encoding/json prints and parses it (RFC 3339 with
// nanoseconds; times kept as whole ms plus ns within the ms, since a double cannot hold ns
// since 1970), int64 UnixNano, time.Duration.String(), time.ParseDuration.

/** Go's zero time.Time, as encoding/json prints it. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';
/** time.Since(zero time): Go saturates at the largest Duration. */
export const GO_MAX_DURATION = '2562047h47m16.854775807s';

/**
 * Go's time.Time JSON form (RFC3339Nano, UTC) of `ms` since the epoch plus `ns` (0..999999)
 * within that ms. A fractional `ms` counts to the microsecond (a double holds no more).
 */
export function formatGoTime(ms: number, ns = 0): string {
  let whole = Math.floor(ms);
  let sub = ns + Math.round((ms - whole) * 1e3) * 1e3;
  if (sub >= 1_000_000) {
    whole += 1;
    sub -= 1_000_000;
  }
  const iso = new Date(whole).toISOString(); // 2006-01-02T15:04:05.000Z
  const dot = iso.lastIndexOf('.');
  const msPart = whole - Math.floor(whole / 1000) * 1000;
  let frac = String(msPart * 1_000_000 + sub).padStart(9, '0');
  let end = frac.length;
  while (end > 0 && frac.charCodeAt(end - 1) === 48) end--;
  frac = frac.slice(0, end);
  return frac === '' ? `${iso.slice(0, dot)}Z` : `${iso.slice(0, dot)}.${frac}Z`;
}

/** Go's zero time in ms since the epoch (0001-01-01T00:00:00Z). */
export const GO_ZERO_MS = -62135596800000;

const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

/**
 * Parses Go's JSON time (any offset) into (ms, ns within the ms). Returns null for Go's
 * zero time; throws on anything that is not RFC 3339.
 */
export function parseGoTime(s: string): { ms: number; ns: number } | null {
  const m = RFC3339.exec(s);
  if (m === null) throw new Error(`not an RFC 3339 time: ${JSON.stringify(s)}`);
  const d = new Date(0);
  // setUTCFullYear, not Date.UTC: the latter maps years 0-99 to 1900-1999.
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0);
  let sec = d.getTime();
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

function fracDigits(v: number, unit: number, digits: number): string {
  const whole = Math.floor(v / unit);
  const rest = v - whole * unit;
  if (rest === 0) return String(whole);
  const frac = String(rest).padStart(digits, '0').replace(/0+$/, '');
  return `${whole}.${frac}`;
}

/** time.Duration.String() for a non-negative whole number of nanoseconds. */
export function formatGoDuration(nanos: number): string {
  const ns = Math.max(0, Math.round(nanos));
  if (ns === 0) return '0s';
  if (ns < 1_000) return `${ns}ns`;
  if (ns < 1_000_000) return `${fracDigits(ns, 1_000, 3)}µs`;
  if (ns < 1_000_000_000) return `${fracDigits(ns, 1_000_000, 6)}ms`;
  const totalSeconds = Math.floor(ns / 1_000_000_000);
  const secNanos = ns - totalSeconds * 1_000_000_000;
  const s = totalSeconds % 60;
  const totalMinutes = Math.floor(totalSeconds / 60);
  const m = totalMinutes % 60;
  const h = Math.floor(totalMinutes / 60);
  const sec = secNanos === 0 ? String(s) : fracDigits(s * 1_000_000_000 + secNanos, 1e9, 9);
  if (totalMinutes === 0) return `${sec}s`;
  if (h === 0) return `${m}m${sec}s`;
  return `${h}h${m}m${sec}s`;
}

const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** time.ParseDuration, in milliseconds; null where Go returns an error. */
export function parseGoDuration(s: string): number | null {
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return null;
  let total = 0;
  const re = /^([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest !== '') {
    const m = re.exec(rest);
    if (m === null || m[1] === '' || m[1] === '.') return null;
    total += Number(m[1]) * UNITS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}

/**
 * A time in ms as Go's UnixNano() (int64 nanoseconds). The digits below the ms stay zero:
 * every "now" here is in whole ms, and a TTL shown against such a now must not read one
 * second more than was asked (times from Go members keep their nanoseconds).
 */
export function unixNano(nowMs: number): bigint {
  return BigInt(Math.floor(nowMs)) * 1_000_000n;
}
