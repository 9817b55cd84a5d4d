// --discovery-srv: endpoints from DNS SRV records, as the Go client's SRVDiscover
// (_etcd-client-ssl._tcp and _etcd-client._tcp, with an optional service-name suffix).
import { resolveSrv } from 'node:dns/promises';

export async function discoverSrv(domain: string, serviceName: string): Promise<string[]> {
  const suffix = serviceName === '' ? '' : `-${serviceName}`;
  const out: string[] = [];
  let lastErr: Error | null = null;
  for (const [service, scheme] of [
    [`_etcd-client-ssl${suffix}`, 'https'],
    [`_etcd-client${suffix}`, 'http'],
  ] as const) {
    try {
      const recs = await resolveSrv(`${service}._tcp.${domain}`);
      for (const r of recs) out.push(`${scheme}://${r.name.replace(/\.$/, '')}:${r.port}`);
    } catch (e) {
      lastErr = e as Error;
    }
  }
  if (out.length === 0 && lastErr !== null) throw lastErr;
  return out;
}
