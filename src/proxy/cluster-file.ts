// The proxy's memory of the cluster, `<data-dir>/proxy/cluster`, in etcd's format
// {"PeerURLs":[...]}: written (atomically, via cluster.bak) after every successful
// refresh, read at start so a restarted proxy needs neither discovery nor the
// original --initial-cluster members.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function proxyDir(dataDir: string): string {
  return join(dataDir, 'proxy');
}

export function clusterFilePath(dataDir: string): string {
  return join(proxyDir(dataDir), 'cluster');
}

/** The saved peer URLs, or null when there is no cluster file. Throws on a bad file. */
export function readClusterFile(file: string): string[] | null {
  let b: string;
  try {
    b = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const v = JSON.parse(b) as { PeerURLs?: unknown };
  const urls = Array.isArray(v?.PeerURLs)
    ? v.PeerURLs.filter((x): x is string => typeof x === 'string')
    : [];
  return urls;
}

export function writeClusterFile(file: string, peerUrls: readonly string[]): void {
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  writeFileSync(`${file}.bak`, JSON.stringify({ PeerURLs: peerUrls }), { mode: 0o600 });
  renameSync(`${file}.bak`, file);
}
