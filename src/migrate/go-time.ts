// Go's time.Time as encoding/json writes it (RFC 3339 with up to nine fraction digits and a
// zone), read to nanoseconds since 1970 without losing a digit. etcd 0.4 stores every
// expiry and SYNC time this way; the zero time ("0001-01-01T00:00:00Z") means "none".

const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

/** True for Go's zero time.Time (etcd's store.Permanent). */
export function isGoZeroTime(s: string): boolean {
  return s === '0001-01-01T00:00:00Z';
}

/** Nanoseconds since the Unix epoch; 0n for Go's zero time. Throws on anything else. */
export function parseGoTime(s: string): bigint {
  if (isGoZeroTime(s)) return 0n;
  const m = RFC3339.exec(s);
  if (m === null) throw new Error(`not a Go time: ${JSON.stringify(s)}`);
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec));
  if (Number.isNaN(ms)) throw new Error(`not a Go time: ${JSON.stringify(s)}`);
  let ns = BigInt(ms) * 1_000_000n + BigInt((frac ?? '').padEnd(9, '0') || '0');
  if (zone !== 'Z') {
    const sign = zone![0] === '-' ? -1n : 1n;
    const offMin = BigInt(Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(4, 6)));
    ns -= sign * offMin * 60_000_000_000n;
  }
  return ns;
}

/** Go's time.Time JSON for a UTC instant in ns (trailing zeros of the fraction dropped). */
export function formatGoTimeNs(ns: bigint): string {
  if (ns === 0n) return '0001-01-01T00:00:00Z';
  const ms = ns / 1_000_000n;
  const iso = new Date(Number(ms - (ns < 0n && ns % 1_000_000n !== 0n ? 1n : 0n))).toISOString();
  const frac = String(((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n)
    .padStart(9, '0')
    .replace(/0+$/, '');
  return frac === '' ? `${iso.slice(0, 19)}Z` : `${iso.slice(0, 19)}.${frac}Z`;
}
