// DNS SRV bootstrap (etcd 2 discovery/srv.go): _etcd-server-ssl._tcp.<domain> (https) and
// _etcd-server._tcp.<domain> (http) records become an initial-cluster string; the record
// that resolves to one of this member's advertised peer URLs gets this member's name,
// the others are named 0, 1, 2, ...
import { lookup, resolveSrv } from 'node:dns/promises';
import { log } from '../pkg/logger.js';
import { joinHostPort, parseEtcdUrl, splitHostPort } from '../pkg/urls.js';

export interface SrvRecord {
  name: string;
  port: number;
}

export interface SrvOptions {
  resolveSrv?: (name: string) => Promise<SrvRecord[]>;
  /** Host name → IP (Go's ResolveTCPAddr). */
  lookupHost?: (host: string) => Promise<string>;
  log?: (line: string) => void;
}

const defaultLookup = async (host: string) =>
  (await lookup(host, { family: 0, verbatim: false })).address;

async function resolveTcpAddr(
  hostport: string,
  lookupHost: (h: string) => Promise<string>,
): Promise<string> {
  const { host, port } = splitHostPort(hostport);
  const ip = /^[0-9.]+$/.test(host) || host.includes(':') ? host : await lookupHost(host);
  return joinHostPort(ip, port);
}

/** Resolves with { cluster: "name=url,...", token } or throws the last DNS error. */
export async function srvGetCluster(
  name: string,
  dns: string,
  defaultToken: string,
  advertisePeerUrls: readonly string[],
  opts: SrvOptions = {},
): Promise<{ cluster: string; token: string }> {
  const out = opts.log ?? ((l) => log.info(l));
  const lookupHost = opts.lookupHost ?? defaultLookup;
  const srv = opts.resolveSrv ?? resolveSrv;
  const parts: string[] = [];
  let tempName = 0;

  const tcpAPUrls: string[] = [];
  for (const u of advertisePeerUrls) {
    const host = parseEtcdUrl(u).host;
    try {
      tcpAPUrls.push(await resolveTcpAddr(host, lookupHost));
    } catch (e) {
      out(`discovery: Couldn't resolve host ${host} during SRV discovery`);
      throw e;
    }
  }

  const updateNodeMap = async (service: string, prefix: string) => {
    const fqdn = `_${service}._tcp.${dns}`;
    let records: SrvRecord[];
    try {
      records = await srv(fqdn);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new Error(
        code === 'ENOTFOUND' || code === 'ENODATA'
          ? `lookup ${fqdn}: no such host`
          : (e as Error).message,
      );
    }
    for (const r of records) {
      const target = r.name.replace(/\.$/, '');
      const host = joinHostPort(target, r.port);
      let tcpAddr: string;
      try {
        tcpAddr = await resolveTcpAddr(host, lookupHost);
      } catch {
        out(`discovery: Couldn't resolve host ${host} during SRV discovery`);
        continue;
      }
      let n = '';
      if (tcpAPUrls.includes(tcpAddr)) n = name;
      if (n === '') n = String(tempName++);
      parts.push(`${n}=${prefix}${host}`);
      out(`discovery: Got bootstrap from DNS for ${service} at ${prefix}${host}`);
    }
  };

  let failCount = 0;
  let lastErr: Error | null = null;
  try {
    await updateNodeMap('etcd-server-ssl', 'https://');
  } catch (e) {
    out(`discovery: Error querying DNS SRV records for _etcd-server-ssl ${(e as Error).message}`);
    failCount++;
    lastErr = e as Error;
  }
  try {
    await updateNodeMap('etcd-server', 'http://');
  } catch (e) {
    out(`discovery: Error querying DNS SRV records for _etcd-server ${(e as Error).message}`);
    failCount++;
    lastErr = e as Error;
  }
  if (failCount === 2) {
    out('discovery: SRV discovery failed: too many errors querying DNS SRV records');
    throw lastErr!;
  }
  return { cluster: parts.join(','), token: defaultToken };
}
