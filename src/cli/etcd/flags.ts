// etcd 2.0's command line (etcdmain/config.go): every flag of its configuration docs, the
// legacy 0.4 flags, ETCD_* variables (the command line wins), its checks and messages.
// parseFlags never writes anything: what etcd would log is returned in `notices`, and a
// bad command line is a FlagError carrying etcd's message (see flag-error.ts).
import { parseIpAddressPort, parseUrlList } from '../../pkg/urls.js';
import * as defaults from '../../embed/config.js';
import type { ClusterState } from '../../embed/config.js';
import type { DiscoveryFallback, EtcdConfig, ProxyMode } from './config.js';
import { FlagError } from './flag-error.js';
import { type GoFlag, GoFlagError, parseGoFlags } from '../../pkg/go-flag.js';
import { parseGoBool, parseGoUint, UINT64_MAX } from '../../pkg/go-strconv.js';

export { FlagError } from './flag-error.js';
export type { EtcdConfig } from './config.js';

/** 0.4 flags etcd 2.0 accepted and ignored with a warning. */
export const IGNORED_FLAGS = [
  'cluster-active-size',
  'cluster-remove-delay',
  'cluster-sync-interval',
  'config',
  'force',
  'max-result-buffer',
  'max-retry-attempts',
  'peer-heartbeat-interval',
  'peer-election-timeout',
  'retry-interval',
  'snapshot',
  'v',
  'vv',
] as const;

/** 0.4 flags etcd 2.0 rejected. */
export const DEPRECATED_FLAGS = ['peers', 'peers-file'] as const;

const ERR_CONFLICT_BOOTSTRAP =
  'multiple discovery or bootstrap flags are set' +
  'Choose one of "initial-cluster", "discovery" or "discovery-srv"';
const ERR_UNSET_ADVERTISE_CLIENT =
  '-advertise-client-urls is required when -listen-client-urls is set explicitly';
const HINT_UNSET_ADVERTISE_CLIENT =
  'When listening on specific address(es), this etcd process must advertise accessible url(s) to each connected client.';

/** Raw values as the flag set holds them while parsing. */
interface Raw {
  strings: Map<string, string>;
  urls: Map<string, string[]>;
  uints: Map<string, bigint>;
  bools: Map<string, boolean>;
  addrs: Map<string, { ip: string; port: number }>;
  cors: string[];
}

function defineFlags(raw: Raw, notices: string[]): Map<string, GoFlag> {
  const defs = new Map<string, GoFlag>();
  const add = (name: string, bool: boolean, set: (v: string) => void) =>
    defs.set(name, { bool, set });

  const str = (name: string, def: string) => {
    raw.strings.set(name, def);
    add(name, false, (v) => raw.strings.set(name, v));
  };
  const urls = (name: string, def: string) => {
    raw.urls.set(name, parseUrlList(def));
    add(name, false, (v) => raw.urls.set(name, parseUrlList(v)));
  };
  const uint = (name: string, def: number) => {
    raw.uints.set(name, BigInt(def));
    add(name, false, (v) => raw.uints.set(name, parseGoUint(v, 0, UINT64_MAX)));
  };
  const choice = (name: string, values: readonly string[], def: string) => {
    raw.strings.set(name, def);
    add(name, false, (v) => {
      if (!values.includes(v)) throw new Error('invalid value');
      raw.strings.set(name, v);
    });
  };
  const bool = (name: string, def: boolean) => {
    raw.bools.set(name, def);
    add(name, true, (v) => raw.bools.set(name, flagBool(v)));
  };
  const addr = (name: string) =>
    add(name, false, (v) => raw.addrs.set(name, parseIpAddressPort(v)));

  // member
  add('cors', false, (v) => {
    const origins: string[] = [];
    for (const part of v.split(',')) {
      const o = part.trim();
      if (o === '' || origins.includes(o)) continue;
      if (o !== '*' && /[\s\x00-\x1f\x7f]/.test(o))
        throw new Error(
          `Invalid CORS origin: parse ${JSON.stringify(o)}: invalid character in URL`,
        );
      origins.push(o);
    }
    raw.cors = origins;
  });
  str('data-dir', '');
  urls('listen-peer-urls', defaults.DEFAULT_PEER_URLS);
  urls('listen-client-urls', defaults.DEFAULT_CLIENT_URLS);
  uint('max-snapshots', defaults.DEFAULT_MAX_SNAPSHOTS);
  uint('max-wals', defaults.DEFAULT_MAX_WALS);
  str('name', defaults.DEFAULT_NAME);
  uint('snapshot-count', defaults.DEFAULT_SNAPSHOT_COUNT);
  uint('heartbeat-interval', defaults.DEFAULT_HEARTBEAT_MS);
  uint('election-timeout', defaults.DEFAULT_ELECTION_MS);

  // clustering
  urls('initial-advertise-peer-urls', defaults.DEFAULT_PEER_URLS);
  urls('advertise-client-urls', defaults.DEFAULT_CLIENT_URLS);
  str('discovery', '');
  choice('discovery-fallback', ['exit', 'proxy'], 'proxy');
  str('discovery-proxy', '');
  str('discovery-srv', '');
  str(
    'initial-cluster',
    defaults.initialClusterFromName(
      defaults.DEFAULT_NAME,
      parseUrlList(defaults.DEFAULT_PEER_URLS),
    ),
  );
  str('initial-cluster-token', defaults.DEFAULT_CLUSTER_TOKEN);
  choice('initial-cluster-state', ['new', 'existing'], 'new');

  // proxy
  choice('proxy', ['off', 'readonly', 'on'], 'off');

  // security
  str('ca-file', '');
  str('cert-file', '');
  str('key-file', '');
  str('peer-ca-file', '');
  str('peer-cert-file', '');
  str('peer-key-file', '');

  // unsafe
  bool('force-new-cluster', false);

  // version
  bool('version', false);

  // backwards compatibility with 0.4.6
  addr('addr');
  addr('bind-addr');
  addr('peer-addr');
  addr('peer-bind-addr');
  for (const name of DEPRECATED_FLAGS) {
    add(name, false, () => {
      throw new Error(`flag "-${name}" is no longer supported.`);
    });
  }
  for (const name of IGNORED_FLAGS) {
    add(name, true, () => {
      notices.push(`WARNING: flag "-${name}" is no longer supported - ignoring.`);
    });
  }

  // accepted so command lines written for later etcd versions keep working; no effect
  bool('enable-v2', true);
  bool('debug', false);
  str('logger', '');
  str('log-outputs', '');
  str('log-level', '');
  return defs;
}

/** ETCD_ + upper-case name with dashes as underscores (flags.SetFlagsFromEnv). */
export function envKey(flag: string): string {
  return `ETCD_${flag.toUpperCase().replaceAll('-', '_')}`;
}

/**
 * Parses etcd's command line (without the program name) and environment.
 * Throws FlagError with etcd's message; returns the config with defaults applied.
 */
export function parseFlags(argv: readonly string[], env: NodeJS.ProcessEnv): EtcdConfig {
  const notices: string[] = [];
  const raw = emptyRaw();
  const defs = defineFlags(raw, notices);

  let parsed: { set: Set<string>; args: string[] };
  try {
    parsed = parseGoFlags(argv, (n) => defs.get(n), { helpFlags: true });
  } catch (e) {
    if (e instanceof GoFlagError && e.help) return helpConfig(notices);
    throw new FlagError('parse', (e as Error).message);
  }
  if (parsed.args.length !== 0)
    throw new FlagError('verify', `'${parsed.args[0]}' is not a valid flag`);

  const set = parsed.set;
  if (raw.bools.get('version')) {
    const cfg = buildConfig(raw, set, notices);
    cfg.printVersion = true;
    return cfg;
  }

  // ETCD_* for every flag not given on the command line; the last bad one is reported.
  let envErr: string | null = null;
  for (const [name, def] of defs) {
    // ETCD_VERSION is commonly set by images to a version string; etcd 2.0 would have
    // failed on it although --version is only honoured on the command line.
    if (set.has(name) || name === 'version') continue;
    const key = envKey(name);
    const val = env[key];
    if (val === undefined || val === '') continue;
    try {
      def.set(val);
    } catch (e) {
      envErr = `invalid value ${JSON.stringify(val)} for ${key}: ${(e as Error).message}`;
    }
    set.add(name);
    notices.push(`etcd: recognized and used environment variable ${key}=${val}`);
  }
  if (envErr !== null) throw new FlagError('env', envErr);

  let nBootstrap = 0;
  for (const f of ['discovery', 'initial-cluster', 'discovery-srv']) if (set.has(f)) nBootstrap++;
  if (nBootstrap > 1) throw new FlagError('verify', ERR_CONFLICT_BOOTSTRAP);

  const clientTlsSet = raw.strings.get('cert-file') !== '' || raw.strings.get('key-file') !== '';
  const peerTlsSet =
    raw.strings.get('peer-cert-file') !== '' || raw.strings.get('peer-key-file') !== '';

  // A legacy advertise address without its bind address listens on [::]:port.
  setBindAddrFromAddr(raw, set, 'peer-bind-addr', 'peer-addr');
  setBindAddrFromAddr(raw, set, 'bind-addr', 'addr');
  urlsFromFlags(raw, set, 'listen-peer-urls', 'peer-bind-addr', peerTlsSet);
  urlsFromFlags(raw, set, 'initial-advertise-peer-urls', 'peer-addr', peerTlsSet);
  urlsFromFlags(raw, set, 'listen-client-urls', 'bind-addr', clientTlsSet);
  urlsFromFlags(raw, set, 'advertise-client-urls', 'addr', clientTlsSet);

  const mayFallbackToProxy =
    set.has('discovery') && raw.strings.get('discovery-fallback') === 'proxy';
  const mayBeProxy = raw.strings.get('proxy') !== 'off' || mayFallbackToProxy;
  if (!mayBeProxy && set.has('listen-client-urls') && !set.has('advertise-client-urls')) {
    throw new FlagError('verify', ERR_UNSET_ADVERTISE_CLIENT, [HINT_UNSET_ADVERTISE_CLIENT]);
  }

  const tick = raw.uints.get('heartbeat-interval')!;
  const election = raw.uints.get('election-timeout')!;
  if (5n * tick > election) {
    throw new FlagError(
      'verify',
      `-election-timeout[${election}ms] should be at least as 5 times as -heartbeat-interval[${tick}ms]`,
    );
  }
  if (tick === 0n)
    throw new FlagError('verify', '-heartbeat-interval[0ms] should be greater than 0');
  if (election > 2n ** 31n) {
    throw new FlagError('verify', `-election-timeout[${election}ms] is too long`);
  }

  const cfg = buildConfig(raw, set, notices);
  if (cfg.dataDirDefaulted)
    notices.push(`no data-dir provided, using default data-dir ./${cfg.dataDir}`);
  return cfg;
}

function setBindAddrFromAddr(raw: Raw, set: Set<string>, bindName: string, addrName: string): void {
  if (set.has(bindName) || !set.has(addrName)) return;
  const a = raw.addrs.get(addrName)!;
  raw.addrs.set(bindName, { ip: '::', port: a.port });
  set.add(bindName);
}

function urlsFromFlags(
  raw: Raw,
  set: Set<string>,
  urlsName: string,
  addrName: string,
  tls: boolean,
): void {
  if (!set.has(addrName)) return;
  if (set.has(urlsName))
    throw new FlagError('verify', `Set only one of flags -${urlsName} and -${addrName}`);
  const a = raw.addrs.get(addrName)!;
  const host = a.ip.includes(':') ? `[${a.ip}]:${a.port}` : `${a.ip}:${a.port}`;
  raw.urls.set(urlsName, [`${tls ? 'https' : 'http'}://${host}`]);
}

function num(raw: Raw, name: string): number {
  const v = raw.uints.get(name)!;
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

function buildConfig(raw: Raw, set: Set<string>, notices: string[]): EtcdConfig {
  const s = (n: string) => raw.strings.get(n)!;
  const u = (n: string) => raw.urls.get(n)!;
  const name = s('name');
  const dataDirDefaulted = s('data-dir') === '';
  const apurls = u('initial-advertise-peer-urls');
  let initialCluster = s('initial-cluster');
  if (!set.has('initial-cluster')) {
    // etcd derives the default from the name and the advertised peer URLs; with
    // discovery the initial cluster comes from the discovery service instead.
    initialCluster =
      set.has('discovery') || set.has('discovery-srv')
        ? ''
        : defaults.initialClusterFromName(name, apurls);
  }
  const heartbeat = num(raw, 'heartbeat-interval');
  const election = num(raw, 'election-timeout');
  return {
    name,
    dataDir: dataDirDefaulted ? `${name}.etcd` : s('data-dir'),
    dataDirDefaulted,
    snapshotCount: num(raw, 'snapshot-count'),
    heartbeatInterval: heartbeat,
    electionTimeout: election,
    electionTicks: heartbeat > 0 ? Math.floor(election / heartbeat) : 0,
    listenPeerUrls: u('listen-peer-urls'),
    listenClientUrls: u('listen-client-urls'),
    maxSnapshots: num(raw, 'max-snapshots'),
    maxWals: num(raw, 'max-wals'),
    cors: raw.cors,
    initialAdvertisePeerUrls: apurls,
    advertiseClientUrls: u('advertise-client-urls'),
    initialCluster,
    initialClusterState: s('initial-cluster-state') as ClusterState,
    initialClusterToken: s('initial-cluster-token'),
    discovery: s('discovery'),
    discoveryFallback: s('discovery-fallback') as DiscoveryFallback,
    discoveryProxy: s('discovery-proxy'),
    discoverySrv: s('discovery-srv'),
    proxy: s('proxy') as ProxyMode,
    clientTls: { certFile: s('cert-file'), keyFile: s('key-file'), caFile: s('ca-file') },
    peerTls: {
      certFile: s('peer-cert-file'),
      keyFile: s('peer-key-file'),
      caFile: s('peer-ca-file'),
    },
    forceNewCluster: raw.bools.get('force-new-cluster')!,
    enableV2: raw.bools.get('enable-v2')!,
    printVersion: false,
    printHelp: false,
    explicit: set,
    notices,
  };
}

function emptyRaw(): Raw {
  return {
    strings: new Map(),
    urls: new Map(),
    uints: new Map(),
    bools: new Map(),
    addrs: new Map(),
    cors: [],
  };
}

function helpConfig(notices: string[]): EtcdConfig {
  const raw = emptyRaw();
  defineFlags(raw, []);
  const cfg = buildConfig(raw, new Set(), notices);
  cfg.printHelp = true;
  return cfg;
}

/** strconv.ParseBool as Go's flag package reports its failure. */
function flagBool(v: string): boolean {
  const b = parseGoBool(v);
  if (b === null) throw new Error('parse error');
  return b;
}
