// URL lists as etcd parses them (pkg/types/urls.go NewURLs over Go's net/url), legacy
// "ip:port" addresses (pkg/flags/ipaddressport.go), and host name resolution before
// listening (pkg/netutil ResolveTCPAddrs).
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { compareGoStrings } from './ids.js';

export interface ParsedUrl {
  scheme: string;
  /** host:port as written (brackets kept for IPv6). */
  host: string;
  hostname: string;
  port: string;
  /** Canonical form, as Go's url.URL.String(). */
  href: string;
}

/** net.SplitHostPort, with Go's error messages. */
export function splitHostPort(hostport: string): { host: string; port: string } {
  const addrErr = (why: string) => new Error(`address ${hostport}: ${why}`);
  const i = hostport.lastIndexOf(':');
  if (i < 0) throw addrErr('missing port in address');
  let host: string;
  let j = 0;
  let k = 0;
  if (hostport.startsWith('[')) {
    const end = hostport.indexOf(']');
    if (end < 0) throw addrErr("missing ']' in address");
    if (end + 1 === hostport.length) throw addrErr('missing port in address');
    if (end + 1 !== i) {
      if (hostport[end + 1] === ':') throw addrErr('too many colons in address');
      throw addrErr('missing port in address');
    }
    host = hostport.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) throw addrErr('too many colons in address');
  }
  if (hostport.indexOf('[', j) >= 0) throw addrErr("unexpected '[' in address");
  if (hostport.indexOf(']', k) >= 0) throw addrErr("unexpected ']' in address");
  return { host, port: hostport.slice(i + 1) };
}

/** net.JoinHostPort. */
export function joinHostPort(host: string, port: string | number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

interface GoUrl {
  scheme: string;
  opaque: string;
  user: string | null;
  host: string;
  path: string;
  rawQuery: string | null;
  fragment: string | null;
}

/** Enough of Go's url.Parse for the URLs etcd accepts; throws with Go-like messages. */
function goUrlParse(raw: string): GoUrl {
  const fail = (why: string) => new Error(`parse ${JSON.stringify(raw)}: ${why}`);
  let rest = raw;
  let fragment: string | null = null;
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    fragment = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  let scheme = '';
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(rest);
  if (m) {
    scheme = m[1]!.toLowerCase();
    rest = rest.slice(m[0].length);
  } else if (rest.startsWith(':')) {
    throw fail('missing protocol scheme');
  }
  let rawQuery: string | null = null;
  const q = rest.indexOf('?');
  if (q >= 0) {
    rawQuery = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  const u: GoUrl = { scheme, opaque: '', user: null, host: '', path: '', rawQuery, fragment };
  if (!rest.startsWith('/')) {
    if (scheme !== '') {
      u.opaque = rest;
      return u;
    }
  }
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    rest = slash < 0 ? '' : rest.slice(slash);
    const at = authority.lastIndexOf('@');
    let host = authority;
    if (at >= 0) {
      u.user = authority.slice(0, at);
      host = authority.slice(at + 1);
    }
    // Go validates the port of the authority (":" followed by digits only).
    const colon = host.startsWith('[') ? host.indexOf(':', host.indexOf(']')) : host.indexOf(':');
    if (colon >= 0) {
      const port = host.slice(colon);
      if (!/^:[0-9]*$/.test(port)) throw fail(`invalid port ${JSON.stringify(port)} after host`);
    }
    if (/[\s<>"{}|\\^`]/.test(host)) throw fail(`invalid character in host name`);
    u.host = host;
  }
  // Go's unescape names the first bad escape (at most 3 bytes from its '%').
  const bad = /%(?![0-9a-fA-F]{2})/.exec(rest);
  if (bad !== null) {
    throw fail(`invalid URL escape ${JSON.stringify(rest.slice(bad.index, bad.index + 3))}`);
  }
  try {
    u.path = decodeURIComponent(rest);
  } catch {
    u.path = rest; // escapes of bytes that are not UTF-8: Go keeps the bytes
  }
  return u;
}

function goUrlString(u: GoUrl): string {
  let s = u.scheme ? `${u.scheme}:` : '';
  if (u.opaque) s += u.opaque;
  else {
    if (u.scheme || u.host || u.user !== null) {
      s += '//';
      if (u.user !== null) s += `${u.user}@`;
      s += u.host;
    }
    s += u.path;
  }
  if (u.rawQuery !== null) s += `?${u.rawQuery}`;
  if (u.fragment !== null) s += `#${u.fragment}`;
  return s;
}

/** One URL as etcd requires it: http or https, host:port, no path. */
export function parseEtcdUrl(input: string): ParsedUrl {
  const inStr = input.trim();
  const u = goUrlParse(inStr);
  if (u.scheme !== 'http' && u.scheme !== 'https') {
    throw new Error(`URL scheme must be http or https: ${inStr}`);
  }
  let hp: { host: string; port: string };
  try {
    hp = splitHostPort(u.host);
  } catch {
    throw new Error(`URL address does not have the form "host:port": ${inStr}`);
  }
  if (u.path !== '') throw new Error(`URL must not contain a path: ${inStr}`);
  return { scheme: u.scheme, host: u.host, hostname: hp.host, port: hp.port, href: goUrlString(u) };
}

/**
 * A comma-separated URL list (flags.URLsValue.Set): every element validated, the result
 * sorted by string (types.URLs.Sort), canonical strings returned.
 */
export function parseUrlList(s: string): string[] {
  return parseUrlListDetailed(s).map((u) => u.href);
}

export function parseUrlListDetailed(s: string): ParsedUrl[] {
  const out = s.split(',').map(parseEtcdUrl);
  out.sort((a, b) => compareGoStrings(a.href, b.href));
  return out;
}

/** A legacy 0.4 "ip:port" flag value (flags.IPAddressPort.Set), returned as ip:port. */
export function parseIpAddressPort(arg: string): { ip: string; port: number } {
  const { host, port } = splitHostPort(arg.trim());
  if (isIP(host) === 0) throw new Error('bad IP in address specification');
  if (!/^[+-]?[0-9]+$/.test(port)) throw new Error('bad port in address specification');
  const n = Number(port);
  if (!Number.isSafeInteger(n)) throw new Error('bad port in address specification');
  return { ip: host, port: n };
}

export type Resolver = (host: string) => Promise<string>;

const defaultResolver: Resolver = async (host) =>
  (await lookup(host, { family: 0, verbatim: false })).address;

/**
 * Resolves host names in URLs to IP addresses (etcd does so before listening and when
 * comparing advertised URLs); localhost and IP literals are left alone.
 * `onResolve` receives "host:port" → "ip:port" (etcd logs "Resolving ... to ...").
 */
export async function resolveUrls(
  urls: readonly string[],
  onResolve?: (from: string, to: string) => void,
  resolver: Resolver = defaultResolver,
): Promise<string[]> {
  const out: string[] = [];
  for (const s of urls) {
    const u = parseEtcdUrl(s);
    if (u.hostname === 'localhost' || isIP(u.hostname) !== 0) {
      out.push(u.href);
      continue;
    }
    const ip = await resolver(u.hostname);
    const to = joinHostPort(ip, u.port);
    onResolve?.(u.host, to);
    out.push(u.href.replace(`//${u.host}`, `//${to}`));
  }
  return out;
}

/**
 * netutil.URLStringsEqual: equal lists of URLs, where an entry written with a host name
 * equals one written with the IP the name resolves to. Both lists must be sorted.
 */
export async function urlStringsEqual(
  a: readonly string[],
  b: readonly string[],
  resolver: Resolver = defaultResolver,
): Promise<boolean> {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    try {
      const [x, y] = await resolveUrls([a[i]!, b[i]!], undefined, resolver);
      if (x !== y) return false;
    } catch {
      return false;
    }
  }
  return true;
}
