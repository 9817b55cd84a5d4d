// Output comparison for the doc examples (the rules docs/README.md states): what differs
// from run to run — indexes, raft terms, member and cluster IDs, times, lengths — becomes
// a placeholder in both the shown and the actual output, and `...` in the shown output
// matches any text (also across lines).

const RULES: [RegExp, string][] = [
  // ISO-8601 times (Go prints nanoseconds; either offset form)
  [/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)/g, '<TIME>'],
  // log-line timestamps (Go's log package)
  [/\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d/g, '<TIME>'],
  [/^Date: .*$/gm, 'Date: <DATE>'],
  [/"(createdIndex|modifiedIndex|index|ttl)":\d+/g, '"$1":<N>'],
  [/^(X-Etcd-Index|X-Raft-Index|X-Raft-Term|Content-Length): \d+/gim, '$1: <N>'],
  [/^(Created-Index|Modified-Index|Index|TTL): \d+/gm, '$1: <N>'],
  // etcdctl's error suffix: "Error:  100: Key not found (/foo) [4]"
  [/\) \[\d+\]$/gm, ') [<N>]'],
  // compare-failed and history-cleared causes name indexes: "[1 != 15]", "[13/1]"
  [/\[(\d+)\/(\d+)\]/g, '[<N>/<N>]'],
  [/\[(\d+) != (\d+)\]/g, '[<N> != <N>]'],
  // member IDs where etcdctl and the API name one: these may be all digits (a random
  // 64-bit ID in hex has no letter about once in 2,000)
  [/(?<=\bmember |\bI[dD]:? |"(?:id|leader)":")[0-9a-f]{8,16}\b|^[0-9a-f]{8,16}(?=:)/gm, '<ID>'],
  // other member and cluster IDs (hex, 8 to 16 digits, at least one letter and one digit)
  [/\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{8,16}\b/g, '<ID>'],
  // in-order keys: /queue/3 or /queue/00000000000000000003
  [/\/\d+(?=["/\s:,)]|$)/gm, '/<N>'],
];

export function normalise(text: string): string {
  let out = text.replaceAll('\r\n', '\n');
  for (const [re, to] of RULES) out = out.replace(re, to);
  return out
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .replace(/\n+$/, '');
}

/** Whether `actual` matches the shown output `expected` (both normalised here). */
export function matches(expected: string, actual: string): boolean {
  const exp = normalise(expected);
  const act = normalise(actual);
  if (!exp.includes('...')) return exp === act;
  const parts = exp.split('...').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[\\s\\S]*?')}$`).test(act);
}

/** Replaces every mapped port in `text` (real → canonical when `reverse`). */
export function mapPorts(text: string, map: Map<number, number>, reverse: boolean): string {
  const lookup = new Map<number, number>();
  for (const [canon, real] of map) {
    if (reverse) lookup.set(real, canon);
    else lookup.set(canon, real);
  }
  return text.replace(PORT_RE, (m, host: string, port: string) => {
    const to = lookup.get(Number(port));
    return to === undefined ? m : `${host}:${to}`;
  });
}

/** host:port on a loopback or wildcard address: the ports examples may name. */
export const PORT_RE = /(127\.0\.0\.1|localhost|\[::1\]|0\.0\.0\.0|\[::\]):(\d{4,5})\b/g;

/** The canonical ports named in `text`. */
export function portsIn(text: string): number[] {
  const out = new Set<number>();
  for (const m of text.matchAll(PORT_RE)) out.add(Number(m[2]));
  return [...out];
}
