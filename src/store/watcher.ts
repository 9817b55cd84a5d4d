// Watchers (etcd's watcherHub): one-shot or stream, on a key or recursively on a directory.
// Delivery never blocks the store: each watcher has a bounded queue, and a watcher whose
// queue is full is removed and closed (its reader sees the end of the stream).
import type { StoreEvent } from './event.js';
import { EventHistory } from './history.js';

/** Events a watcher may hold unread before it is dropped (etcd's channel size). */
export const WATCHER_QUEUE = 100;

/** What the HTTP layer reads: events in order, then null once the watcher is closed. */
export interface StoreWatcher {
  /** The store index when the watch started (X-Etcd-Index of the response). */
  readonly startIndex: number;
  readonly stream: boolean;
  /** The next event, or null when the watcher was closed (removed, or dropped as too slow). */
  next(): Promise<StoreEvent | null>;
  /** Unregisters the watcher (idempotent); a pending next() resolves with null. */
  remove(): void;
}

export class Watcher implements StoreWatcher {
  private queue: StoreEvent[] = [];
  private head = 0;
  private waiter: ((e: StoreEvent | null) => void) | null = null;
  /** Unregistered from the hub. */
  removed = false;
  /** No more events will come. */
  closed = false;

  constructor(
    private readonly hub: WatcherHub,
    readonly key: string,
    readonly recursive: boolean,
    readonly stream: boolean,
    public sinceIndex: number,
    readonly startIndex: number,
  ) {}

  /** Queues an event; false if the queue is full (the caller then drops the watcher). */
  push(e: StoreEvent): boolean {
    const w = this.waiter;
    if (w !== null) {
      this.waiter = null;
      w(e);
      return true;
    }
    if (this.queue.length - this.head >= WATCHER_QUEUE) return false;
    this.queue.push(e);
    return true;
  }

  /** Queues events found in the history (not bounded: at most the history's size). */
  preload(events: StoreEvent[]): void {
    for (const e of events) this.queue.push(e);
  }

  next(): Promise<StoreEvent | null> {
    if (this.head < this.queue.length) {
      const e = this.queue[this.head]!;
      this.queue[this.head++] = undefined as unknown as StoreEvent;
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      }
      return Promise.resolve(e);
    }
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /** No more events: a pending or later next() gets null once the queue is drained. */
  close(): void {
    this.closed = true;
    const w = this.waiter;
    if (w !== null) {
      this.waiter = null;
      w(null);
    }
  }

  remove(): void {
    this.hub.unregister(this);
    this.close();
  }

  /** etcd's watcher.notify: true if the watcher took (or was dropped for) the event. */
  notify(e: StoreEvent, originalPath: boolean, deleted: boolean): boolean {
    if ((this.recursive || originalPath || deleted) && e.index() >= this.sinceIndex) {
      // Each event once: deleting a watched key reaches its watchers twice (as a removed
      // path and as the key itself); etcd then sends stream watchers a duplicate.
      this.sinceIndex = e.index() + 1;
      if (!this.push(e)) {
        // Too slow: drop it rather than block or buffer without bound.
        this.hub.unregister(this);
        this.close();
      }
      return true;
    }
    return false;
  }
}

/** Hidden to a watch on watchPath: the key is below a `_` element after the watched path. */
function isHidden(watchPath: string, keyPath: string): boolean {
  if (watchPath.length > keyPath.length) return false;
  const after = keyPath.slice(watchPath.length);
  return after.startsWith('_') || after.includes('/_');
}

/**
 * The watchers on one path: stream watchers are told of an event before one-shot ones. A
 * stream watcher takes it as one more chunk of an open answer; a one-shot watcher's answer
 * ends there (and its client comes back with a new request), so telling the cheaper ones
 * first lowers the mean time to delivery, and 1,000 streams do not wait behind 10,000 long
 * polls. Within each kind, the order is registration order, as in etcd.
 */
interface PathWatchers {
  readonly streams: Set<Watcher>;
  readonly once: Set<Watcher>;
}

export class WatcherHub {
  readonly history: EventHistory;
  private readonly watchers = new Map<string, PathWatchers>();
  count = 0;

  constructor(history = new EventHistory()) {
    this.history = history;
  }

  /**
   * A watcher from `since` (> 0). One-shot watchers with a past event get it at once and are
   * not registered; stream watchers get every past event they want, then live ones.
   */
  watch(
    key: string,
    recursive: boolean,
    stream: boolean,
    since: number,
    storeIndex: number,
  ): Watcher {
    const w = new Watcher(this, key, recursive, stream, since, storeIndex);
    if (!stream) {
      const e = this.history.scan(key, recursive, since, storeIndex);
      if (e !== null) {
        w.preload([e.withIndex(storeIndex)]);
        w.removed = true;
        w.closed = true;
        return w;
      }
    } else {
      const past = this.history.scanAll(key, recursive, since, storeIndex);
      if (past.length > 0) {
        w.preload(past.map((e) => e.withIndex(storeIndex)));
        w.sinceIndex = Math.max(since, this.history.lastIndex + 1);
      }
    }
    let on = this.watchers.get(key);
    if (on === undefined) {
      on = { streams: new Set(), once: new Set() };
      this.watchers.set(key, on);
    }
    (stream ? on.streams : on.once).add(w);
    this.count++;
    return w;
  }

  unregister(w: Watcher): void {
    if (w.removed) return;
    w.removed = true;
    const on = this.watchers.get(w.key);
    if (on === undefined) return;
    if ((w.stream ? on.streams : on.once).delete(w)) this.count--;
    if (on.streams.size === 0 && on.once.size === 0) this.watchers.delete(w.key);
  }

  /** Records the event and tells watchers on the key and on each directory above it. */
  notify(e: StoreEvent): void {
    this.history.add(e);
    if (this.count === 0) return;
    const key = e.node.key;
    this.notifyWatchers(e, '/', false);
    let i = key.indexOf('/', 1);
    while (i > 0) {
      this.notifyWatchers(e, key.slice(0, i), false);
      i = key.indexOf('/', i + 1);
    }
    if (key !== '/') this.notifyWatchers(e, key, false);
  }

  /** Kept in the history for watches from the past, but not sent (TTL refreshes). */
  addSilently(e: StoreEvent): void {
    this.history.add(e);
  }

  notifyWatchers(e: StoreEvent, nodePath: string, deleted: boolean): void {
    const on = this.watchers.get(nodePath);
    if (on === undefined) return;
    const originalPath = e.node.key === nodePath;
    if (!originalPath && isHidden(nodePath, e.node.key)) return;
    // A stream watcher stays (unless notify dropped it as too slow: it unregistered then).
    for (const w of on.streams) w.notify(e, originalPath, deleted);
    for (const w of on.once) {
      if (w.notify(e, originalPath, deleted) && !w.removed) {
        w.removed = true;
        on.once.delete(w);
        this.count--;
        w.close();
      }
    }
    if (on.streams.size === 0 && on.once.size === 0) this.watchers.delete(nodePath);
  }

  /** Closes every watcher (etcd does this on recovery from a snapshot). */
  closeAll(): void {
    for (const on of this.watchers.values()) {
      for (const set of [on.streams, on.once]) {
        for (const w of set) {
          w.removed = true;
          w.close();
        }
      }
    }
    this.watchers.clear();
    this.count = 0;
  }
}
