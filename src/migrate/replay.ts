// Applies etcd 0.4 log entries to the store exactly as 0.4.9's apply did: each command is
// the same store call with the same arguments (absolute expiry times included), a command
// that failed in 0.4 fails here too and changes nothing, and the membership commands do
// what 0.4's registry did to /_etcd/machines and /_etcd/config. No index is invented, so
// every createdIndex, modifiedIndex and in-order key name comes out as 0.4 served it.
import { EtcdError } from '../store/errors.js';
import { NO_TTL, type Store, type TTLOptions } from '../store/store.js';
import { parseGoTime } from './go-time.js';
import type { LogEntry4 } from './log4.js';
import { storeKey, storeTimeNs, ttlAt } from './to-store.js';

export const MACHINES_KEY = '/_etcd/machines';
const CONFIG_KEY = '/_etcd/config';
// 0.4.9 server/cluster_config.go
const DEFAULT_ACTIVE_SIZE = 9;
const MIN_ACTIVE_SIZE = 3;
const MIN_REMOVE_DELAY = 2;
const MIN_SYNC_INTERVAL = 1;

export class Replay4Error extends Error {
  constructor(e: LogEntry4, what: string) {
    super(`etcd 0.4 log entry ${e.index} (${e.commandName}): ${what}`);
    this.name = 'Replay4Error';
  }
}

interface Cmd {
  key?: string;
  value?: string;
  expireTime?: string;
  dir?: boolean;
  unique?: boolean;
  recursive?: boolean;
  prevValue?: string;
  prevIndex?: number;
  time?: string;
  name?: string;
  raftURL?: string;
  etcdURL?: string;
  config?: { activeSize?: number; removeDelay?: number; syncInterval?: number } | null;
}

/** Go's url.QueryEscape. */
export function goQueryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The value 0.4's registry stores for a machine (url.Values{raft, etcd}.Encode()). */
export function machineValue(raftURL: string, etcdURL: string): string {
  return `etcd=${goQueryEscape(etcdURL)}&raft=${goQueryEscape(raftURL)}`;
}

/** Reads a machine's value back (Go's url.ParseQuery, first value of each). */
export function parseMachineValue(v: string): { raft: string; etcd: string } {
  const q = new URLSearchParams(v);
  return { raft: q.get('raft') ?? '', etcd: q.get('etcd') ?? '' };
}

export class Replayer {
  /** The store's notion of "now" for the views it makes: the last SYNC time seen. */
  now: number;
  applied = 0;

  constructor(
    readonly store: Store,
    now: number,
  ) {
    this.now = now;
  }

  apply(e: LogEntry4): void {
    let c: Cmd = {};
    if (e.command !== '') {
      try {
        c = JSON.parse(e.command) as Cmd;
      } catch (err) {
        throw new Replay4Error(e, `the command is not JSON (${(err as Error).message})`);
      }
    }
    const s = this.store;
    const now = this.now;
    try {
      switch (e.commandName) {
        case 'etcd:set':
          s.set(key(e, c), c.dir === true, c.value ?? '', ttl(e, c), now);
          break;
        case 'etcd:create': {
          // 0.4 names an in-order key by the next index, unpadded ("/q/6"): named here, so
          // the name never depends on how this store pads its own.
          const k = c.unique === true ? `${key(e, c)}/${s.index + 1}` : key(e, c);
          s.create(k, c.dir === true, c.value ?? '', false, ttl(e, c), now);
          break;
        }
        case 'etcd:update':
          s.update(key(e, c), c.value ?? '', ttl(e, c), now);
          break;
        case 'etcd:compareAndSwap':
          s.compareAndSwap(
            key(e, c),
            c.prevValue ?? '',
            c.prevIndex ?? 0,
            c.value ?? '',
            ttl(e, c),
            now,
          );
          break;
        case 'etcd:compareAndDelete':
          s.compareAndDelete(key(e, c), c.prevValue ?? '', c.prevIndex ?? 0, now);
          break;
        case 'etcd:delete':
          s.delete(key(e, c), c.dir === true || c.recursive === true, c.recursive === true, now);
          break;
        case 'etcd:sync': {
          const t = storeTimeNs(time(e, c.time));
          s.deleteExpired(t.ms, t.ns);
          this.now = t.ms;
          break;
        }
        case 'etcd:join':
          this.join(e, c);
          break;
        case 'etcd:remove':
          if (typeof c.name !== 'string') throw new Replay4Error(e, 'no name');
          s.delete(storeKey(`${MACHINES_KEY}/${c.name}`), false, false, now);
          break;
        case 'etcd:setClusterConfig':
          this.setClusterConfig(c);
          break;
        // A quorum read (0.4 logged it; it changes nothing), raft's own no-op, and go-raft's
        // membership commands, which touch raft's peer list only (etcd used its own).
        case 'etcd:get':
        case 'raft:nop':
        case 'raft:join':
        case 'raft:leave':
          break;
        default:
          throw new Replay4Error(e, 'unknown command');
      }
    } catch (err) {
      // A command 0.4 rejected (key exists, compare failed, ...) changed nothing there either.
      if (!(err instanceof EtcdError)) throw err;
    }
    this.applied = e.index;
  }

  /** 0.4.9's applyJoin: register a new machine, update a changed URL, or reject. */
  private join(e: LogEntry4, c: Cmd): void {
    if (typeof c.name !== 'string' || typeof c.raftURL !== 'string') {
      throw new Replay4Error(e, 'no name or raftURL');
    }
    const s = this.store;
    const path = storeKey(`${MACHINES_KEY}/${c.name}`);
    const had = s.find(path);
    if (had !== null) {
      const cur = parseMachineValue(had.value);
      if (cur.raft !== c.raftURL) {
        s.update(path, machineValue(c.raftURL, cur.etcd), NO_TTL, this.now);
      }
      return;
    }
    const machines = s.find(storeKey(MACHINES_KEY));
    const others = machines?.children ? [...machines.children] : [];
    if (others.some((m) => parseMachineValue(m.value).raft === c.raftURL)) return;
    if (others.length > 0 && others.length >= this.activeSize()) return;
    s.create(path, false, machineValue(c.raftURL, c.etcdURL ?? ''), false, NO_TTL, this.now);
  }

  private activeSize(): number {
    const n = this.store.find(storeKey(CONFIG_KEY));
    if (n === null) return DEFAULT_ACTIVE_SIZE;
    try {
      const v = JSON.parse(n.value) as { activeSize?: unknown };
      return typeof v.activeSize === 'number' ? v.activeSize : DEFAULT_ACTIVE_SIZE;
    } catch {
      return DEFAULT_ACTIVE_SIZE;
    }
  }

  /** 0.4.9's SetClusterConfig: minimums applied, then stored as Go's json.Marshal wrote it. */
  private setClusterConfig(c: Cmd): void {
    const cfg = c.config ?? {};
    const activeSize = Math.max(cfg.activeSize ?? 0, MIN_ACTIVE_SIZE);
    const removeDelay = Math.max(cfg.removeDelay ?? 0, MIN_REMOVE_DELAY);
    const syncInterval = Math.max(cfg.syncInterval ?? 0, MIN_SYNC_INTERVAL);
    const v = JSON.stringify({ activeSize, removeDelay, syncInterval });
    this.store.set(storeKey(CONFIG_KEY), false, v, NO_TTL, this.now);
  }
}

function key(e: LogEntry4, c: Cmd): string {
  if (typeof c.key !== 'string') throw new Replay4Error(e, 'no key');
  return storeKey(c.key);
}

function time(e: LogEntry4, t: string | undefined): bigint {
  if (typeof t !== 'string') return 0n;
  try {
    return parseGoTime(t);
  } catch (err) {
    throw new Replay4Error(e, (err as Error).message);
  }
}

function ttl(e: LogEntry4, c: Cmd): TTLOptions {
  return ttlAt(time(e, c.expireTime));
}
