// Entry point of `bin/etcd`: flags → (version/help) → listeners → member; SIGTERM/SIGINT
// stop it gracefully. A bad flag or configuration is reported as etcd does and exits
// non-zero before anything is written.
import {
  DiscoveryError,
  duplicateIdMessages,
  FALLBACK_TO_PROXY_MESSAGE,
} from '../../discovery/discovery.js';
import { ClusterConfigError } from '../../discovery/cluster.js';
import { type Etcd, StartError, startEtcd } from '../../embed/etcd.js';
import { DirLockedError } from '../../pkg/fileutil.js';
import { log } from '../../pkg/logger.js';
import { type RunningProxy, startProxy } from '../../proxy/proxy.js';
import { detectLayout, LayoutError } from '../../migrate/layout.js';
import { Upgrade04Error, upgradeDataDir } from '../../migrate/upgrade.js';
import { FlagError, parseFlags } from './flags.js';
import { renderFlagError } from './flag-error.js';
import { usageText, versionText } from './usage.js';
import type { EtcdConfig } from './config.js';

export function main(argv: string[]): void {
  let cfg: EtcdConfig;
  try {
    cfg = parseFlags(argv, process.env);
  } catch (e) {
    if (e instanceof FlagError) {
      const out = renderFlagError(e);
      if (out.stdout) process.stdout.write(out.stdout);
      if (out.stderr) process.stderr.write(out.stderr);
      process.exitCode = e.exitCode;
      return;
    }
    throw e;
  }
  if (cfg.printVersion) {
    process.stdout.write(versionText());
    return;
  }
  if (cfg.printHelp) {
    process.stdout.write(usageText());
    return;
  }
  for (const n of cfg.notices) log.info(n);
  if (cfg.proxy !== 'off') {
    runProxy(cfg);
    return;
  }
  upgradeThenRun(cfg).catch((e: unknown) => {
    fail(e, cfg);
  });
}

/**
 * etcd 2.0: a data dir that holds a proxy starts a proxy; a 0.4 standby's dir becomes a
 * proxy's first. Member dirs (0.4 and 2.0.0 ones too) are upgraded by startEtcd, once
 * its listeners are up (src/migrate).
 */
async function upgradeThenRun(cfg: EtcdConfig): Promise<void> {
  const { layout } = detectLayout(cfg.dataDir);
  if (layout === 'proxy' || layout === 'v0.4-standby') {
    await upgradeDataDir(cfg.dataDir, { name: cfg.name, logger: log });
    log.info('etcd: already initialized as proxy before, starting as etcd proxy...');
    runProxy({ ...cfg, proxy: 'on' });
    return;
  }
  await run(cfg);
}

function fail(e: unknown, cfg: EtcdConfig): void {
  if (e instanceof DiscoveryError) {
    if (e.code === 'duplicate-id') {
      for (const l of duplicateIdMessages(cfg.name, cfg.discovery, cfg.dataDir))
        log.print(`etcd: ${l}`);
    }
    if (e.code === 'full' && cfg.discoveryFallback === 'proxy') {
      log.print(FALLBACK_TO_PROXY_MESSAGE);
      runProxy({ ...cfg, proxy: 'on' });
      return;
    }
    log.print(`etcd: ${e.message}`);
  } else if (
    e instanceof ClusterConfigError ||
    e instanceof StartError ||
    e instanceof DirLockedError ||
    e instanceof Upgrade04Error ||
    e instanceof LayoutError
  ) {
    log.print(`etcd: ${(e as Error).message}`);
  } else {
    log.print(`etcd: ${(e as Error)?.stack ?? String(e)}`);
  }
  process.exit(1);
}

/** Proxy mode (--proxy on|readonly, or the discovery fallback); exits 1 if it cannot start. */
function runProxy(cfg: EtcdConfig): void {
  let proxy: RunningProxy | null = null;
  const stop = (signal: string) => {
    log.info(`etcd: received ${signal}, shutting down`);
    if (proxy === null) process.exit(0);
    proxy.close().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  // The member path may have installed its handlers already (discovery fallback).
  if (process.listenerCount('SIGTERM') === 0) {
    process.on('SIGTERM', () => stop('terminated'));
    process.on('SIGINT', () => stop('interrupt'));
  }
  startProxy(cfg).then(
    (p) => {
      proxy = p;
    },
    (e: unknown) => {
      log.print(`etcd: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}

async function run(cfg: EtcdConfig): Promise<void> {
  let etcd: Etcd | null = null;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      // A second signal: stop waiting for in-flight writes (the WAL has every acked one).
      process.exit(1);
    }
    stopping = true;
    log.info(`etcd: received ${signal}, shutting down`);
    const done = () => process.exit(0);
    if (etcd === null) {
      done();
      return;
    }
    etcd.close().then(done, (e: unknown) => {
      log.print(`etcd: error while stopping: ${(e as Error).message}`);
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => stop('terminated'));
  process.on('SIGINT', () => stop('interrupt'));

  etcd = await startEtcd({
    name: cfg.name,
    dataDir: cfg.dataDir,
    listenClientUrls: cfg.listenClientUrls,
    advertiseClientUrls: cfg.advertiseClientUrls,
    listenPeerUrls: cfg.listenPeerUrls,
    initialAdvertisePeerUrls: cfg.initialAdvertisePeerUrls,
    initialCluster: cfg.initialCluster,
    initialClusterState: cfg.initialClusterState,
    initialClusterToken: cfg.initialClusterToken,
    heartbeatInterval: cfg.heartbeatInterval,
    electionTimeout: cfg.electionTimeout,
    snapshotCount: cfg.snapshotCount,
    maxSnapshots: cfg.maxSnapshots,
    maxWals: cfg.maxWals,
    cors: cfg.cors,
    clientTls: cfg.clientTls,
    peerTls: cfg.peerTls,
    discovery: cfg.discovery,
    discoverySrv: cfg.discoverySrv,
    discoveryProxy: cfg.discoveryProxy,
    forceNewCluster: cfg.forceNewCluster,
    logger: log,
    onRemoved: () => {
      etcd?.close().then(
        () => process.exit(0),
        () => process.exit(0),
      );
    },
  });
  if (stopping) {
    await etcd.close();
    process.exit(0);
  }
}
