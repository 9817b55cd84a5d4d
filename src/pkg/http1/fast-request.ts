// A request the fast path has read whole, head and body, before its handler runs. It
// looks to the handler like node's IncomingMessage (types.ts): the body is also offered
// as stream events, once a listener asks for them, so body readers written for node work.
import type { Socket } from 'node:net';
import type { Listener } from './types.js';
import { LazyEvents } from './lazy-events.js';

export class FastRequest extends LazyEvents {
  readonly httpVersionMajor = 1;
  readonly httpVersionMinor = 1;
  readonly complete: boolean;
  private delivering = false;

  constructor(
    readonly socket: Socket,
    readonly method: string,
    readonly url: string,
    readonly headers: Record<string, string>,
    /** Undefined when the client closed before sending the whole body (see bodyError). */
    private readonly body: Buffer | undefined,
    /** Why the body could not be read (the client's connection ended early). */
    private readonly bodyError: Error | null,
  ) {
    super();
    this.complete = bodyError === null;
  }

  /** The body, read whole before the handler was called (undefined if it was cut short). */
  get completeBody(): Buffer | undefined {
    return this.bodyError === null ? this.body : undefined;
  }

  override on(event: string, listener: Listener): this {
    super.on(event, listener);
    this.deliverIfAsked(event);
    return this;
  }

  override once(event: string, listener: Listener): this {
    super.once(event, listener);
    this.deliverIfAsked(event);
    return this;
  }

  pause(): this {
    return this;
  }

  resume(): this {
    this.deliverIfAsked('data');
    return this;
  }

  /** As a node stream in flowing mode: the body and its end come on a later tick. */
  private deliverIfAsked(event: string): void {
    if (this.delivering || (event !== 'data' && event !== 'end' && event !== 'error')) return;
    this.delivering = true;
    queueMicrotask(() => {
      if (this.bodyError !== null) {
        // Only a reader of the body hears of it (a handler that discards it need not).
        if (this.listenerCount('error') > 0) this.emit('error', this.bodyError);
        return;
      }
      const body = this.body;
      if (body !== undefined && body.length > 0) this.emit('data', body);
      this.emit('end');
    });
  }
}
