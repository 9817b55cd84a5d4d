// One node of the keyspace. Kept small (8 fields). The store finds nodes by full key in one
// index Map, so a directory only needs the set of its children, and a file none.
import { Buffer } from 'node:buffer';

/** Expiry of a node with a TTL, and its place in the TTL heap. */
export class TTLEntry {
  /** Absolute expiry time: whole ms since the epoch (floor)... */
  expireTime: number;
  /** ...plus nanoseconds within that ms (0..999999): Go keeps expiry times to the ns. */
  expireNs: number;
  heapPos: number;

  constructor(expireTime: number, expireNs: number) {
    this.expireTime = expireTime;
    this.expireNs = expireNs;
    this.heapPos = -1;
  }
}

/**
 * A compact copy of a string. Slices and concatenations keep their sources (the whole
 * request path or URL) alive; a node lives long, so it gets its own flat string.
 */
export function ownString(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}

export class Node {
  /** The full key ("/a/b"); "/" for the root. */
  key: string;
  parent: Node | null;
  createdIndex: number;
  modifiedIndex: number;
  value: string;
  /** Children of a directory, in creation order; null for a file. */
  children: Set<Node> | null;
  ttl: TTLEntry | null;
  /**
   * The value, once found to need no escaping in JSON (see valueIsPlain): listings then skip
   * the check. Compared with `value` by content, so a stale one is never taken for the new.
   */
  plainValue: string | null;

  constructor(
    key: string,
    parent: Node | null,
    index: number,
    value: string,
    dir: boolean,
    expireTime: number,
    expireNs = 0,
  ) {
    this.key = key;
    this.parent = parent;
    this.createdIndex = index;
    this.modifiedIndex = index;
    this.value = value;
    this.children = dir ? new Set() : null;
    this.ttl = expireTime === 0 && expireNs === 0 ? null : new TTLEntry(expireTime, expireNs);
    this.plainValue = null;
  }

  isDir(): boolean {
    return this.children !== null;
  }

  /** The last element of the key. */
  name(): string {
    return this.key.slice(this.key.lastIndexOf('/') + 1);
  }
}
