// Go's formatting of times and durations, as etcd's JSON stats print them
// (time.Time in RFC 3339 with nanoseconds, time.Duration.String()).

/** Go's zero time.Time, as encoding/json prints it. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';
/** time.Since(zero time): Go saturates at the largest Duration. */
export const GO_MAX_DURATION = '2562047h47m16.854775807s';

/** RFC 3339 with up to 9 fractional digits, trailing zeros trimmed (time.RFC3339Nano). */
export function formatGoTime(ms: number, subMsNanos = 0): string {
  const iso = new Date(Math.floor(ms)).toISOString(); // 2026-11-24T13:05:59.055Z
  const base = iso.slice(0, 19);
  const nanos = (Math.floor(ms) % 1000) * 1_000_000 + subMsNanos;
  if (nanos === 0) return `${base}Z`;
  const frac = String(nanos).padStart(9, '0').replace(/0+$/, '');
  return `${base}.${frac}Z`;
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
