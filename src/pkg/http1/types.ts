// What the client API needs of a request and a response: the part of node:http's
// IncomingMessage and ServerResponse it uses, so that node's objects and the fast path's
// (fast-request.ts, fast-response.ts) both serve it.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { PooledBytes } from '../pooled-bytes.js';
import type { PreparedAnswer } from './fast-response.js';

// biome-ignore lint/suspicious/noExplicitAny: an event's listener arguments depend on the event, as in EventEmitter
export type Listener = (...args: any[]) => void;

export interface HttpRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly httpVersionMajor: number;
  readonly httpVersionMinor: number;
  readonly socket: Socket;
  readonly complete: boolean;
  /** The whole body when the server has read it already (the fast path); else read it. */
  readonly completeBody?: Buffer | undefined;
  on(event: string, listener: Listener): unknown;
  once(event: string, listener: Listener): unknown;
  off(event: string, listener: Listener): unknown;
  emit(event: string, ...args: unknown[]): boolean;
  listenerCount(event: string): number;
  pause(): unknown;
  resume(): unknown;
}

export interface HttpResponse {
  statusCode: number;
  readonly headersSent: boolean;
  readonly req: HttpRequest;
  readonly socket: Socket | null;
  setHeader(name: string, value: number | string | readonly string[]): unknown;
  writeHead(status: number, headers?: OutgoingHttpHeaders | string[]): unknown;
  write(chunk: string): boolean;
  end(chunk?: string): unknown;
  flushHeaders(): void;
  /** The fast path's whole-answer write (fast-response.ts); false if it did not send. */
  sendPrepared?(a: PreparedAnswer): boolean;
  /** The same for a body written into pooled bytes (fast-response.ts). */
  sendBytes?(
    status: number,
    headers: readonly string[],
    bytes: PooledBytes,
    chunked: boolean,
  ): boolean;
  destroy(error?: Error): unknown;
  on(event: string, listener: Listener): unknown;
  once(event: string, listener: Listener): unknown;
  off(event: string, listener: Listener): unknown;
}

export type HttpHandler = (req: HttpRequest, res: HttpResponse) => void;
