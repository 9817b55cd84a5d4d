// etcd in proxy mode (--proxy on|readonly, or a discovery member beyond the cluster
// size): learns the cluster's peer URLs (saved cluster file, else --initial-cluster,
// --discovery or --discovery-srv), asks the peers for the members' client URLs every
// 30 s, and serves --listen-client-urls by forwarding to them. Readonly proxies answer
// anything but GET with 501 and no body, as etcd's readonly handler does.
import { mkdirSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { getCluster } from '../discovery/discovery.js';
import { srvGetCluster } from '../discovery/srv.js';
import { listenOnUrl } from '../pkg/listen.js';
import { type Logger, log as defaultLog } from '../pkg/logger.js';
import { clientTlsOptions, type TlsInfo, tlsInfoEmpty } from '../pkg/tls.js';
import { resolveUrls } from '../pkg/urls.js';
import { setupCluster } from '../discovery/cluster.js';
import { clusterFilePath, proxyDir, readClusterFile, writeClusterFile } from './cluster-file.js';
import { Director } from './director.js';
import { allUrls, fetchMemberUrls, type MemberUrls } from './members.js';
import { createReverseProxy, type Handler } from './reverse.js';

/** What a proxy needs of etcd's configuration (the CLI's config has these fields). */
export interface ProxyConfig {
  name: string;
  /** The proxy keeps its cluster file under <data-dir>/proxy. */
  dataDir: string;
  listenClientUrls: string[];
  initialCluster: string;
  initialClusterToken: string;
  discovery: string;
  discoveryProxy: string;
  discoverySrv: string;
  /** readonly: anything but GET is answered 501. */
  proxy: 'off' | 'readonly' | 'on';
  clientTls: TlsInfo;
  peerTls: TlsInfo;
  /** --cors origins. */
  cors: string[];
}

export interface ProxyTuning {
  logger?: Logger;
  /** Cluster refresh period (etcd: 30 s). */
  refreshMs?: number;
  /** How long a failed endpoint is left out (etcd: 5 s). */
  benchMs?: number;
}

export interface RunningProxy {
  /** The URLs the proxy listens on (host names resolved). */
  clientUrls: string[];
  /** The client URLs it currently forwards to. */
  endpoints(): string[];
  close(): Promise<void>;
}

export class ProxyStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProxyStartError';
  }
}

/** The cluster's peer URLs to start from: saved file, discovery, SRV or --initial-cluster. */
async function initialPeerUrls(cfg: ProxyConfig, file: string, log: Logger): Promise<string[]> {
  const saved = readClusterFile(file);
  if (saved !== null) {
    log.info(`proxy: using peer urls [${saved.join(' ')}] from cluster file ${file}`);
    return saved;
  }
  let initial = cfg.initialCluster;
  let token = cfg.initialClusterToken;
  if (cfg.discovery !== '') {
    initial = await getCluster(cfg.discovery, {
      proxy: cfg.discoveryProxy,
      log: (l) => log.info(l),
    });
    token = cfg.discovery;
  } else if (cfg.discoverySrv !== '') {
    const got = await srvGetCluster(cfg.name, cfg.discoverySrv, token, [], {
      log: (l) => log.info(l),
    });
    initial = got.cluster;
    token = got.token;
  }
  const urls = setupCluster(token, initial).peerURLs();
  log.info(`proxy: using peer urls [${urls.join(' ')}]`);
  return urls;
}

export async function startProxy(
  cfg: ProxyConfig,
  tuning: ProxyTuning = {},
): Promise<RunningProxy> {
  const log = tuning.logger ?? defaultLog;
  mkdirSync(proxyDir(cfg.dataDir), { recursive: true, mode: 0o700 });
  const file = clusterFilePath(cfg.dataDir);
  let peerUrls = await initialPeerUrls(cfg, file, log);
  const peerTls =
    tlsInfoEmpty(cfg.peerTls) && cfg.peerTls.caFile === ''
      ? undefined
      : clientTlsOptions(cfg.peerTls);
  const clientTls =
    tlsInfoEmpty(cfg.clientTls) && cfg.clientTls.caFile === ''
      ? undefined
      : clientTlsOptions(cfg.clientTls);

  // etcd's uf(): ask the peers for the members; save their peer URLs; use the client URLs.
  let lastClientUrls: string[] = [];
  const urls = async (): Promise<string[]> => {
    let members: MemberUrls[];
    try {
      members = await fetchMemberUrls(peerUrls, peerTls, (l) => log.info(l));
    } catch (e) {
      log.info(`proxy: ${(e as Error).message}`);
      return [];
    }
    if (members.length === 0) return lastClientUrls;
    const next = allUrls(members, 'peerURLs');
    try {
      writeClusterFile(file, next);
    } catch (e) {
      log.info(`proxy: error on writing cluster file ${file}: ${(e as Error).message}`);
    }
    if (next.join(',') !== peerUrls.join(','))
      log.info(
        `proxy: updated peer urls in cluster file from [${peerUrls.join(' ')}] to [${next.join(' ')}]`,
      );
    peerUrls = next;
    lastClientUrls = allUrls(members, 'clientURLs');
    return lastClientUrls;
  };

  const director = new Director({
    urls,
    logger: log,
    ...(tuning.refreshMs !== undefined ? { refreshMs: tuning.refreshMs } : {}),
    ...(tuning.benchMs !== undefined ? { benchMs: tuning.benchMs } : {}),
  });
  const rp = createReverseProxy({
    director,
    logger: log,
    ...(clientTls ? { tls: clientTls } : {}),
  });
  let handler: Handler = rp.handler;
  if (cfg.cors.length > 0) handler = withCors(handler, cfg.cors);
  if (cfg.proxy === 'readonly') handler = readonly(handler);

  const listen = await resolveUrls(cfg.listenClientUrls, (from, to) =>
    log.info(`etcd: Resolving ${from} to ${to}`),
  );
  const servers: Server[] = [];
  try {
    await director.start();
    for (const u of listen) {
      servers.push(await listenOnUrl(u, cfg.clientTls, handler, (m) => new ProxyStartError(m)));
      log.info(`etcd: proxy: listening for client requests on ${u}`);
    }
  } catch (e) {
    director.stop();
    rp.close();
    for (const s of servers) s.close();
    throw e;
  }

  let closing: Promise<void> | null = null;
  return {
    clientUrls: listen,
    endpoints: () => director.endpoints().map((e) => e.url.href.replace(/\/$/, '')),
    close() {
      closing ??= (async () => {
        director.stop();
        await Promise.all(
          servers.map(
            (s) =>
              new Promise<void>((resolve) => {
                s.close(() => resolve());
                s.closeAllConnections();
              }),
          ),
        );
        rp.close();
      })();
      return closing;
    },
  };
}

/** etcd's readonly handler: only GET goes through; the rest get 501 and no body. */
function readonly(next: Handler): Handler {
  return (req, res) => {
    if (req.method !== 'GET') {
      res.writeHead(501, req.method === 'HEAD' ? {} : { 'Content-Length': '0' });
      res.end();
      req.resume();
      return;
    }
    next(req, res);
  };
}

/** --cors on the proxy, as etcd 2's CORSHandler wraps the proxy handler. */
function withCors(next: Handler, origins: readonly string[]): Handler {
  const any = origins.includes('*');
  return (req: IncomingMessage, res: ServerResponse) => {
    const origin = req.headers.origin;
    if (origin !== undefined && (any || origins.includes(origin))) {
      res.setHeader('Access-Control-Allow-Methods', 'POST, GET, OPTIONS, PUT, DELETE');
      res.setHeader('Access-Control-Allow-Origin', any ? '*' : origin);
      res.setHeader('Access-Control-Allow-Headers', 'accept, content-type');
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(200);
      res.end();
      req.resume();
      return;
    }
    next(req, res);
  };
}
