// EventEmitter's on/once/off/emit for the fast path's requests and responses, with the
// emitter made only when a first listener comes: most requests and responses are never
// listened to, and an EventEmitter per object was a tenth of a replayed GET's garbage.
// Unlike EventEmitter, an 'error' nobody listens to is dropped, not thrown: neither class
// emits one without a listener.
import { EventEmitter } from 'node:events';
import type { Listener } from './types.js';

export class LazyEvents {
  private events: EventEmitter | null = null;

  private emitter(): EventEmitter {
    this.events ??= new EventEmitter();
    return this.events;
  }

  on(event: string, listener: Listener): this {
    this.emitter().on(event, listener);
    return this;
  }

  once(event: string, listener: Listener): this {
    this.emitter().once(event, listener);
    return this;
  }

  off(event: string, listener: Listener): this {
    this.events?.off(event, listener);
    return this;
  }

  emit(event: string, ...args: unknown[]): boolean {
    const e = this.events;
    if (e === null || e.listenerCount(event) === 0) return false;
    return e.emit(event, ...args);
  }

  listenerCount(event: string): number {
    return this.events?.listenerCount(event) ?? 0;
  }
}
