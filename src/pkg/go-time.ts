// Go's times and durations: time.Time as encoding/json prints it (RFC 3339 with
// nanoseconds), time.Duration.String(), time.ParseDuration.

/** Go's zero time.Time, as encoding/json prints it. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';
/** time.Since(zero time): Go saturates at the largest Duration. */
export const GO_MAX_DURATION = '2562047h47m16.854775807s';

/** Go's time.Time JSON form (RFC 3339 with nanoseconds, UTC) of a time in ms. */
export function formatGoTime(ms: number): string {
  const whole = Math.floor(ms);
  let iso = new Date(whole).toISOString(); // 2006-01-02T15:04:05.000Z
  let frac = iso.slice(20, 23);
  // Sub-millisecond part, to the microsecond (a double of ms since 1970 holds no more).
  const sub = Math.round((ms - whole) * 1e3);
  if (sub > 0) frac += String(Math.min(sub, 999)).padStart(3, '0');
  frac = frac.replace(/0+$/, '');
  iso = iso.slice(0, 19);
  return frac === '' ? `${iso}Z` : `${iso}.${frac}Z`;
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
