// etcd 0.4's snapshots (go-raft): `snapshot/<term>_<index>.ss`, an IEEE CRC-32 of the rest
// as 8 hex digits and a newline, then JSON {lastIndex, lastTerm, peers, state} where
// `state` is the base64 of the store's own JSON (Root tree, WatcherHub, CurrentIndex,
// Stats). Every file in snapshot/ must be one of these: anything else is reported, not
// guessed at.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

export interface Peer4 {
  name: string;
  connectionString: string;
}

export interface Snapshot4 {
  file: string;
  lastIndex: number;
  lastTerm: number;
  peers: Peer4[];
  /** The store's JSON, parsed (see store4.ts). */
  state: unknown;
}

export class Snapshot4Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Snapshot4Error';
  }
}

const NAME = /^(\d+)_(\d+)\.ss$/;

/** The snapshot files of snapshot/, oldest first (by term, then index). */
export function listSnapshots4(dir: string): { name: string; term: number; index: number }[] {
  const out: { name: string; term: number; index: number }[] = [];
  for (const name of readdirSync(dir)) {
    const m = NAME.exec(name);
    if (m === null) {
      throw new Snapshot4Error(
        `etcd 0.4 snapshot dir ${dir}: ${JSON.stringify(name)} is not a <term>_<index>.ss snapshot file`,
      );
    }
    out.push({ name, term: Number(m[1]), index: Number(m[2]) });
  }
  return out.sort((a, b) => a.term - b.term || a.index - b.index);
}

/** The newest snapshot of snapshot/, or null when it holds none. */
export function readLatestSnapshot4(dir: string): Snapshot4 | null {
  const all = listSnapshots4(dir);
  const last = all[all.length - 1];
  return last === undefined ? null : readSnapshot4(join(dir, last.name));
}

export function readSnapshot4(file: string): Snapshot4 {
  return decodeSnapshot4(readFileSync(file), file);
}

export function decodeSnapshot4(b: Buffer, file = 'snapshot'): Snapshot4 {
  const nl = b.indexOf(0x0a);
  const head = nl < 0 ? '' : b.toString('latin1', 0, nl);
  if (!/^[0-9a-f]{8}$/.test(head)) {
    throw new Snapshot4Error(`etcd 0.4 snapshot ${file}: missing the checksum line`);
  }
  const body = b.subarray(nl + 1);
  const want = Number.parseInt(head, 16);
  const got = crc32(body) >>> 0;
  if (want !== got) {
    throw new Snapshot4Error(
      `etcd 0.4 snapshot ${file}: bad checksum (file says ${head}, content has ${got.toString(16).padStart(8, '0')})`,
    );
  }
  let v: { lastIndex?: unknown; lastTerm?: unknown; peers?: unknown; state?: unknown };
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new Snapshot4Error(`etcd 0.4 snapshot ${file}: not JSON (${(e as Error).message})`);
  }
  if (
    typeof v.lastIndex !== 'number' ||
    typeof v.lastTerm !== 'number' ||
    typeof v.state !== 'string'
  ) {
    throw new Snapshot4Error(`etcd 0.4 snapshot ${file}: lacks lastIndex, lastTerm or state`);
  }
  let state: unknown;
  try {
    state = JSON.parse(Buffer.from(v.state, 'base64').toString('utf8'));
  } catch (e) {
    throw new Snapshot4Error(
      `etcd 0.4 snapshot ${file}: the store state is not JSON (${(e as Error).message})`,
    );
  }
  return {
    file,
    lastIndex: v.lastIndex,
    lastTerm: v.lastTerm,
    peers: Array.isArray(v.peers) ? (v.peers as Peer4[]) : [],
    state,
  };
}

/** Encodes a snapshot file as go-raft writes it (tests rewrite 0.4 fixtures with it). */
export function encodeSnapshot4(s: Omit<Snapshot4, 'file'>): Buffer {
  const body = Buffer.from(
    JSON.stringify({
      lastIndex: s.lastIndex,
      lastTerm: s.lastTerm,
      peers: s.peers,
      state: Buffer.from(JSON.stringify(s.state), 'utf8').toString('base64'),
    }),
    'utf8',
  );
  const head = Buffer.from(`${(crc32(body) >>> 0).toString(16).padStart(8, '0')}\n`, 'latin1');
  return Buffer.concat([head, body]);
}
