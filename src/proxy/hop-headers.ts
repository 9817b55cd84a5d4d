// Hop-by-hop headers, removed in both directions as Go's httputil.ReverseProxy (and
// etcd's proxy copy of it) does: the fixed list plus every header named in Connection.
// Headers travel as Node's rawHeaders (name, value, name, value...) so case and
// repeated headers reach the other side unchanged.

const HOP = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** rawHeaders without hop-by-hop headers (including those listed in Connection). */
export function stripHopHeaders(raw: readonly string[]): string[] {
  let named: Set<string> | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() !== 'connection') continue;
    for (const f of raw[i + 1]!.split(',')) {
      const n = f.trim().toLowerCase();
      if (n !== '') (named ??= new Set()).add(n);
    }
  }
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i]!.toLowerCase();
    if (HOP.has(lower) || named?.has(lower)) continue;
    out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}

/**
 * Go's ReverseProxy appends the client's address to X-Forwarded-For (joining earlier
 * values with ", "), in place of any X-Forwarded-For headers the client sent.
 */
export function withForwardedFor(raw: string[], clientIp: string | undefined): string[] {
  if (!clientIp) return raw;
  const prior: string[] = [];
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === 'x-forwarded-for') prior.push(raw[i + 1]!);
    else out.push(raw[i]!, raw[i + 1]!);
  }
  const ip = clientIp.startsWith('::ffff:') ? clientIp.slice(7) : clientIp;
  prior.push(ip);
  out.push('X-Forwarded-For', prior.join(', '));
  return out;
}
