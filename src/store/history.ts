// The last `capacity` events of the whole store (etcd's EventHistory): one window shared by
// every key, so a watch from an index older than the window gets 401.
import { eventIndexCleared } from './errors.js';
import type { StoreEvent } from './event.js';

export const HISTORY_CAPACITY = 1000;

/** Whether a watch on `key` (recursive or not) is interested in event `e`, as etcd's scan. */
export function historyMatches(e: StoreEvent, key: string, recursive: boolean): boolean {
  if (e.refresh) return false;
  const k = e.node.key;
  if (k === key) return true;
  if (recursive) {
    const dir = key.charCodeAt(key.length - 1) === 47 ? key : `${key}/`;
    if (k.startsWith(dir)) return true;
  }
  // Deleting or expiring a directory concerns every key under it (etcd's own prefix test).
  if ((e.action === 'delete' || e.action === 'expire') && e.prevNode !== null && e.prevNode.dir) {
    return key.startsWith(e.prevNode.key);
  }
  return false;
}

export class EventHistory {
  readonly capacity: number;
  private readonly events: (StoreEvent | undefined)[];
  private front = 0;
  private size = 0;
  startIndex = 0;
  lastIndex = 0;

  constructor(capacity = HISTORY_CAPACITY) {
    this.capacity = capacity;
    this.events = new Array(capacity);
  }

  add(e: StoreEvent): void {
    const cap = this.capacity;
    if (this.size < cap) {
      this.events[(this.front + this.size) % cap] = e;
      this.size++;
    } else {
      this.events[this.front] = e;
      this.front = (this.front + 1) % cap;
    }
    this.lastIndex = e.index();
    this.startIndex = this.events[this.front]!.index();
  }

  /** Takes over another history's contents (same capacity). */
  copyFrom(o: EventHistory): void {
    const evs = o.all();
    this.front = 0;
    this.size = 0;
    this.startIndex = 0;
    this.lastIndex = 0;
    this.events.fill(undefined);
    for (const e of evs) this.add(e);
  }

  /** Oldest first. */
  all(): StoreEvent[] {
    const out: StoreEvent[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.events[(this.front + i) % this.capacity]!);
    return out;
  }

  private check(index: number, storeIndex: number): void {
    if (index < this.startIndex) throw eventIndexCleared(this.startIndex, index, storeIndex);
  }

  /** The first event at or after `index` that the watch wants, or null (throws 401 if cleared). */
  scan(key: string, recursive: boolean, index: number, storeIndex: number): StoreEvent | null {
    this.check(index, storeIndex);
    if (index > this.lastIndex || this.size === 0) return null;
    for (let i = index - this.startIndex; i < this.size; i++) {
      const e = this.events[(this.front + i) % this.capacity]!;
      if (historyMatches(e, key, recursive)) return e;
    }
    return null;
  }

  /** Every wanted event from `index` on (for stream watches). */
  scanAll(key: string, recursive: boolean, index: number, storeIndex: number): StoreEvent[] {
    this.check(index, storeIndex);
    const out: StoreEvent[] = [];
    if (index > this.lastIndex || this.size === 0) return out;
    for (let i = index - this.startIndex; i < this.size; i++) {
      const e = this.events[(this.front + i) % this.capacity]!;
      if (historyMatches(e, key, recursive)) out.push(e);
    }
    return out;
  }
}
