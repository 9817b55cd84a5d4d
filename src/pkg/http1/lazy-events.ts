// EventEmitter's on/once/off/emit for the fast path's requests and responses, with the
// emitter made only when a second listener comes: most requests and responses are never
// listened to, and most of the rest have one listener (a watch's 'close'); an EventEmitter
// per object was a tenth of a replayed GET's garbage.
// Unlike EventEmitter, an 'error' nobody listens to is dropped, not thrown: neither class
// emits one without a listener.
import { EventEmitter } from 'node:events';
import type { Listener } from './types.js';

export class LazyEvents {
  private events: EventEmitter | null = null;
  /** The one listener while there is no emitter (null: none). */
  private oneEvent: string | null = null;
  private oneListener: Listener | null = null;
  private oneOnce = false;

  /** The emitter, made now with the inline listener moved into it (it came first). */
  private emitter(): EventEmitter {
    if (this.events !== null) return this.events;
    const e = new EventEmitter();
    if (this.oneEvent !== null) {
      if (this.oneOnce) e.once(this.oneEvent, this.oneListener!);
      else e.on(this.oneEvent, this.oneListener!);
      this.oneEvent = null;
      this.oneListener = null;
    }
    this.events = e;
    return e;
  }

  private add(event: string, listener: Listener, once: boolean): void {
    if (this.events === null && this.oneEvent === null) {
      this.oneEvent = event;
      this.oneListener = listener;
      this.oneOnce = once;
    } else if (once) this.emitter().once(event, listener);
    else this.emitter().on(event, listener);
  }

  on(event: string, listener: Listener): this {
    this.add(event, listener, false);
    return this;
  }

  once(event: string, listener: Listener): this {
    this.add(event, listener, true);
    return this;
  }

  off(event: string, listener: Listener): this {
    if (this.oneEvent === event && this.oneListener === listener) {
      this.oneEvent = null;
      this.oneListener = null;
    } else this.events?.off(event, listener);
    return this;
  }

  emit(event: string, ...args: unknown[]): boolean {
    if (this.oneEvent === event) {
      const l = this.oneListener!;
      if (this.oneOnce) {
        this.oneEvent = null;
        this.oneListener = null;
      }
      l.apply(this, args);
      return true;
    }
    const e = this.events;
    if (e === null || e.listenerCount(event) === 0) return false;
    return e.emit(event, ...args);
  }

  listenerCount(event: string): number {
    if (this.oneEvent !== null) return this.oneEvent === event ? 1 : 0;
    return this.events?.listenerCount(event) ?? 0;
  }
}
