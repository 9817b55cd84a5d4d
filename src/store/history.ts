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
  // etcd 2.0 matches only the key itself or, recursively, keys below it: a past deletion of
  // a directory above the watched key is not found (live watchers are told, by notify).
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

  /** Takes over another history's contents, slot for slot (same capacity). */
  copyFrom(o: EventHistory): void {
    const q = o.slots();
    this.setSlots(q.events, q.front, q.size, o.startIndex, o.lastIndex);
  }

  /** The ring as etcd's eventQueue holds it (snapshots save it so). */
  slots(): { events: readonly (StoreEvent | undefined)[]; front: number; size: number } {
    return { events: this.events, front: this.front, size: this.size };
  }

  /** Restores a ring saved by slots(); throws if it does not fit this history. */
  setSlots(
    events: readonly (StoreEvent | undefined)[],
    front: number,
    size: number,
    startIndex: number,
    lastIndex: number,
  ): void {
    const cap = this.capacity;
    if (events.length !== cap || front < 0 || front >= cap || size < 0 || size > cap) {
      throw new Error(
        `event history does not fit: ${events.length} slots, front ${front}, size ${size}`,
      );
    }
    for (let i = 0; i < size; i++) {
      if (events[(front + i) % cap] === undefined)
        throw new Error(`event history slot ${(front + i) % cap} is empty`);
    }
    for (let i = 0; i < cap; i++) this.events[i] = events[i];
    this.front = front;
    this.size = size;
    this.startIndex = startIndex;
    this.lastIndex = lastIndex;
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
