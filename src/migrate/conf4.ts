// etcd 0.4's `conf` (go-raft): {"commitIndex": N, "peers": [{name, connectionString}]}.
// The peers are every member but this one, which is how a member's own name is found
// again; commitIndex is only as fresh as the last configuration change.
import { readFileSync } from 'node:fs';
import type { Peer4 } from './snapshot4.js';

export interface Conf4 {
  commitIndex: number;
  peers: Peer4[];
}

export function readConf4(file: string): Conf4 {
  const text = readFileSync(file, 'utf8');
  let v: { commitIndex?: unknown; peers?: unknown };
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`etcd 0.4 conf ${file}: not JSON (${(e as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || typeof v.commitIndex !== 'number') {
    throw new Error(`etcd 0.4 conf ${file}: lacks commitIndex`);
  }
  const peers = Array.isArray(v.peers) ? v.peers : [];
  return {
    commitIndex: v.commitIndex,
    peers: peers.map((p: { name?: unknown; connectionString?: unknown }) => ({
      name: String(p?.name ?? ''),
      connectionString: String(p?.connectionString ?? ''),
    })),
  };
}
