// Starting a member in-process (as etcd's embed, and what `bin/etcd` does): resolve host
// names, listen on every peer and client URL, check the cluster configuration, open or
// create the data dir, start the raft loop, serve. Listeners come first and are closed
// again (with etcd's log lines) when the configuration turns out to be wrong, before
// anything is written.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { type ClientHandlerOptions, createClientHandler } from '../api/router.js';
import {
  type ClusterState,
  DEFAULT_CLIENT_URLS,
  DEFAULT_CLUSTER_TOKEN,
  DEFAULT_ELECTION_MS,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_MAX_SNAPSHOTS,
  DEFAULT_MAX_WALS,
  DEFAULT_NAME,
  DEFAULT_PEER_URLS,
  DEFAULT_SNAPSHOT_COUNT,
  initialClusterFromName,
} from './config.js';
import { type Logger, log as defaultLog } from '../pkg/logger.js';
import { clientTlsOptions, type TlsInfo, tlsInfoEmpty } from '../pkg/tls.js';
import { CLIENT_REQUEST_TIMEOUT_MS, listenOnUrl, type RequestHandler } from '../pkg/listen.js';
import { attachFastPath } from '../pkg/http1/attach.js';
import type { HttpHandler, HttpRequest, HttpResponse } from '../pkg/http1/types.js';
import { parseUrlList, resolveUrls } from '../pkg/urls.js';
import { Transport } from '../peer/transport.js';
import { upgradeDataDir } from '../migrate/upgrade.js';
import {
  Member,
  type MemberOptions,
  type PeerTransport,
  type TransportHandlers,
} from '../server/member.js';
import { serverVersion } from '../server/version.js';
import { bootstrap } from './bootstrap.js';
import { openMemberDir } from './storage.js';

export interface EmbedOptions {
  name?: string;
  /** Default: `${name}.etcd`. */
  dataDir?: string;
  listenClientUrls?: string[];
  advertiseClientUrls?: string[];
  listenPeerUrls?: string[];
  initialAdvertisePeerUrls?: string[];
  /** name=url,...; default: this member alone. */
  initialCluster?: string;
  initialClusterState?: ClusterState;
  initialClusterToken?: string;
  heartbeatInterval?: number;
  electionTimeout?: number;
  snapshotCount?: number;
  maxSnapshots?: number;
  maxWals?: number;
  cors?: string[];
  clientTls?: TlsInfo;
  peerTls?: TlsInfo;
  discovery?: string;
  /** --discovery-srv: a DNS domain with _etcd-server(-ssl)._tcp records. */
  discoverySrv?: string;
  /** --discovery-proxy. */
  discoveryProxy?: string;
  /** --force-new-cluster: restart as a cluster of one, keeping the data. */
  forceNewCluster?: boolean;
  logger?: Logger;
  /** Called when the member was removed from the cluster (bin/etcd exits 0). */
  onRemoved?: () => void;
  /** A fatal condition was logged (another cluster's member answered); default: exit 1. */
  onFatal?: () => void;
  /** quorum=true GETs through the log (QGET), for clusters with Go etcd 2.0 members. */
  quorumReadsViaLog?: boolean;
  /**
   * Serve client connections with src/pkg/http1's reader and writer first (default true);
   * false leaves every request to node:http (the tests compare the two).
   */
  clientFastPath?: boolean;
  /** Builds the peer transport; default: src/peer's Transport when there are peers. */
  makeTransport?: MemberOptions['makeTransport'];
}

export interface Etcd {
  member: Member;
  /** The URLs the client listeners are bound to (host names resolved). */
  clientUrls: string[];
  peerUrls: string[];
  /** Graceful stop: listeners closed, in-flight writes finished, WAL closed, lock released. */
  close(): Promise<void>;
}

interface Listener {
  url: string;
  kind: 'peers' | 'client requests';
  server: Server;
}

const EMPTY_TLS: TlsInfo = { certFile: '', keyFile: '', caFile: '' };

export class StartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartError';
  }
}

/** Starts a member in this process. Rejects (having written nothing) on a bad configuration. */
export async function startEtcd(options: EmbedOptions = {}): Promise<Etcd> {
  const log = options.logger ?? defaultLog;
  const name = options.name ?? DEFAULT_NAME;
  const dataDir = options.dataDir ?? `${name}.etcd`;
  const apurls = options.initialAdvertisePeerUrls ?? parseUrlList(DEFAULT_PEER_URLS);
  const acurls = options.advertiseClientUrls ?? parseUrlList(DEFAULT_CLIENT_URLS);
  const lpurls = options.listenPeerUrls ?? parseUrlList(DEFAULT_PEER_URLS);
  const lcurls = options.listenClientUrls ?? parseUrlList(DEFAULT_CLIENT_URLS);
  const token = options.initialClusterToken ?? DEFAULT_CLUSTER_TOKEN;
  const initialCluster = options.initialCluster ?? initialClusterFromName(name, apurls);
  const state = options.initialClusterState ?? 'new';
  const heartbeat = options.heartbeatInterval ?? DEFAULT_HEARTBEAT_MS;
  const election = options.electionTimeout ?? DEFAULT_ELECTION_MS;
  const clientTls = options.clientTls ?? EMPTY_TLS;
  const peerTls = options.peerTls ?? EMPTY_TLS;

  const onResolve = (from: string, to: string) => log.info(`etcd: Resolving ${from} to ${to}`);
  const peerListen = await resolveUrls(lpurls, onResolve);
  const clientListen = await resolveUrls(lcurls, onResolve);

  const listeners: Listener[] = [];
  let clientHandler: HttpHandler | null = null;
  let peerHandler: RequestHandler | null = null;
  const notReady = (_req: HttpRequest, res: HttpResponse) => {
    res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('etcd: the member is starting\n');
  };
  const stopListening = async () => {
    for (const l of [...listeners].reverse()) {
      log.info(`etcd: stopping listening for ${l.kind} on ${l.url}`);
      await closeServer(l.server);
    }
    listeners.length = 0;
  };

  let member: Member | null = null;
  try {
    // Listening starts before the member exists; requests wait for it behind notReady.
    const listen = async (
      urls: string[],
      kind: Listener['kind'],
      tls: TlsInfo,
      serve: RequestHandler,
      opts: { requestTimeoutMs?: number; fast?: HttpHandler },
    ) => {
      for (const url of urls) {
        const server = await listenOnUrl(url, tls, serve, (m) => new StartError(m), opts);
        if (opts.fast) attachFastPath(server, opts.fast);
        listeners.push({ url, kind, server });
        log.info(`etcd: listening for ${kind} on ${url}`);
      }
    };
    await listen(
      peerListen,
      'peers',
      peerTls,
      (req, res) => (peerHandler ?? notReady)(req, res),
      {},
    );
    const serveClient: HttpHandler = (req, res) => (clientHandler ?? notReady)(req, res);
    await listen(clientListen, 'client requests', clientTls, serveClient, {
      requestTimeoutMs: CLIENT_REQUEST_TIMEOUT_MS,
      ...(options.clientFastPath === false ? {} : { fast: serveClient }),
    });

    // Older data dirs (etcd 0.4, 2.0.0) are upgraded in place first (src/migrate).
    const up = await upgradeDataDir(dataDir, { name, logger: log });
    if (up.startAs === 'proxy') {
      throw new StartError(`${dataDir} holds a proxy's data; start a proxy on it, not a member`);
    }

    const boot = await bootstrap({
      name,
      dataDir,
      apurls,
      acurls,
      token,
      initialCluster,
      state,
      discovery: options.discovery ?? '',
      discoverySrv: options.discoverySrv ?? '',
      discoveryProxy: options.discoveryProxy ?? '',
      peerTls,
      log,
    });

    const makeTransport = options.makeTransport ?? defaultTransportFactory(peerTls, log);
    const opened = await openMemberDir({
      dataDir,
      memberId: boot.memberId,
      clusterId: boot.clusterId,
      forceNewCluster: options.forceNewCluster === true,
      self: { name, peerURLs: apurls, clientURLs: [] },
    });
    member = Member.start(
      {
        name,
        dataDir,
        heartbeatMs: heartbeat,
        electionTicks: Math.max(1, Math.floor(election / heartbeat)),
        snapshotCount: options.snapshotCount ?? DEFAULT_SNAPSHOT_COUNT,
        maxSnapshots: options.maxSnapshots ?? DEFAULT_MAX_SNAPSHOTS,
        maxWals: options.maxWals ?? DEFAULT_MAX_WALS,
        clientUrls: acurls,
        peerUrls: apurls,
        memberId: boot.memberId,
        clusterId: boot.clusterId,
        initialMembers: boot.initialMembers,
        newCluster: boot.newCluster,
        forceNewCluster: options.forceNewCluster === true,
        logger: log,
        // Test knob (not an etcd flag): how many entries to keep behind a snapshot.
        ...(process.env.ETCDNODE_CATCH_UP_ENTRIES
          ? { catchUpEntries: Number(process.env.ETCDNODE_CATCH_UP_ENTRIES) }
          : {}),
        ...(makeTransport ? { makeTransport } : {}),
        ...(options.onRemoved ? { onRemoved: options.onRemoved } : {}),
        onFatal: options.onFatal ?? (() => process.exit(1)),
        ...(options.quorumReadsViaLog ? { quorumReadsViaLog: true } : {}),
      },
      opened,
    );
  } catch (e) {
    await stopListening();
    throw e;
  }

  const m = member;
  const handlerOpts: ClientHandlerOptions = { cors: options.cors ?? [] };
  clientHandler = createClientHandler(m, handlerOpts);
  peerHandler = createPeerHandler(m);

  let closing: Promise<void> | null = null;
  return {
    member: m,
    clientUrls: clientListen,
    peerUrls: peerListen,
    close() {
      closing ??= (async () => {
        // Stop accepting (idle keep-alive connections close; requests in flight finish).
        const closed = listeners.map((l) => closeServer(l.server));
        await m.stop();
        for (const l of listeners) l.server.closeAllConnections();
        await Promise.all(closed);
      })();
      return closing;
    },
  };
}

/** src/peer's Transport (idle while the cluster has one member). */
function defaultTransportFactory(peerTls: TlsInfo, logger: Logger): MemberOptions['makeTransport'] {
  const tls = tlsInfoEmpty(peerTls) ? undefined : clientTlsOptions(peerTls);
  return (h: TransportHandlers) =>
    new Transport({
      id: h.id,
      clusterId: h.clusterId,
      tls,
      onMessage: h.onMessage,
      onUnreachable: h.onUnreachable,
      ...(h.onPeerRefused ? { onPeerRefused: h.onPeerRefused } : {}),
      onSnapshotStatus: h.onSnapshotStatus,
      onRemoved: h.onRemoved,
      onClusterConflict: h.onClusterConflict,
      ...(h.onPeerKind ? { onPeerKind: h.onPeerKind } : {}),
      membersJSON: h.membersJSON,
      versionJSON: () => {
        const v = serverVersion();
        return JSON.stringify({ etcdserver: v, etcdcluster: v });
      },
      logger,
    });
}

/** The peer listener: the transport's routes, and /members for members joining. */
function createPeerHandler(m: Member): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const t = m.peerTransport() as
      | (PeerTransport & { handler?(req: IncomingMessage, res: ServerResponse): boolean })
      | null;
    if (t?.handler?.(req, res)) return;
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/members' && req.method === 'GET') {
      const body = JSON.stringify(m.members());
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'X-Etcd-Cluster-Id': m.clusterId(),
        'Content-Length': Buffer.byteLength(body),
      });
      res.end(body);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('404 page not found\n');
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
