// One client connection on the fast path: requests are read whole (head and body), served
// one at a time in order (pipelined ones wait in the buffer), and answered by FastResponse.
// The first request the head parser will not take, and everything after it, goes to node's
// own HTTP server (handOver), which answers odd and broken input as ../listen.ts arranges.
import type { Socket } from 'node:net';
import { BodyReadError } from './body-read-error.js';
import type { BusyPoll } from './busy-poll.js';
import { FastRequest } from './fast-request.js';
import { FastResponse, type ResponseOwner } from './fast-response.js';
import { goRawError } from './go-raw-error.js';
import { MAX_FAST_BODY, parseRequestHeadOnce, UNSUPPORTED } from './head-parser.js';
import { readIntoSharedBuffer } from './shared-read-buffer.js';
import type { HttpHandler } from './types.js';

/** Pipelined bytes buffered while a response is pending, before reading pauses. */
const MAX_BUFFERED = 1 << 20;
const EMPTY = Buffer.alloc(0);

export interface ConnectionHost {
  readonly handler: HttpHandler;
  readonly busyPoll: BusyPoll;
  /** Gives the socket, with `rest` put back in front of its unread bytes, to node:http. */
  handOver(socket: Socket, rest: Buffer | null): void;
  forget(c: FastConnection): void;
}

export class FastConnection implements ResponseOwner {
  private buf: Buffer | null = null;
  private current: FastResponse | null = null;
  /** The client sent its FIN: answer what is buffered, then close. */
  private ended = false;
  /** Handed over, closing or closed: this object no longer serves the socket. */
  private done = false;
  /** Given to node:http: what is read from now on is its. */
  private handedOver = false;
  private inLoop = false;
  /** The pending response answers a request whose body the client's FIN cut short. */
  private answeringCutBody = false;
  /** Reading paused because pipelined requests piled up behind a pending response. */
  private pausedForBacklog = false;
  /** When the connection last went idle (ms), for the keep-alive timeout. */
  idleSince = Date.now();
  /** When an incomplete request started arriving (ms), 0 when none is. */
  partialSince = 0;
  /** The head of the incomplete request has arrived; only its body is awaited. */
  awaitingBody = false;

  constructor(
    readonly socket: Socket,
    private readonly host: ConnectionHost,
  ) {
    socket.setNoDelay(true);
    if (!readIntoSharedBuffer(socket, this.onChunk)) socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
  }

  /** No request in flight and none arriving. */
  get idle(): boolean {
    return this.current === null && this.buf === null;
  }

  private readonly onData = (chunk: Buffer): void => {
    this.buf = this.buf === null ? chunk : Buffer.concat([this.buf, chunk]);
    if (this.current === null) this.serve();
    else if (this.buf.length > MAX_BUFFERED && !this.pausedForBacklog) {
      this.pausedForBacklog = true;
      this.socket.pause();
    }
  };

  /** Reads through readIntoSharedBuffer: after a hand-over node's reader gets the bytes. */
  private readonly onChunk = (chunk: Buffer): boolean => {
    if (this.handedOver) return this.socket.push(chunk);
    // Closing: what the client still sends is read and dropped (goRawError's drain).
    if (!this.done) this.onData(chunk);
    return true;
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    if (this.current === null) this.serve();
    // As node:http (no half-open): a FIN abandons the response still pending, which hears
    // 'close' (a watch ends), unless it is the answer to a body the FIN cut short.
    if (this.current !== null && !this.answeringCutBody) {
      this.done = true;
      this.buf = null;
      this.socket.end();
    }
  };

  private readonly onClose = (): void => {
    this.done = true;
    this.host.forget(this);
    const res = this.current;
    // The client went away mid-response (a watch, a write waiting for its commit).
    if (res !== null && !res.finished) res.emit('close');
  };

  private readonly onError = (): void => {
    this.socket.destroy();
  };

  /** A response has been written. */
  finished(res: FastResponse): void {
    if (res !== this.current) return;
    this.current = null;
    this.idleSince = Date.now();
    this.host.busyPoll.answered();
    if (!res.shouldKeepAlive) {
      this.done = true;
      this.buf = null;
      this.socket.end();
      return;
    }
    // Only when paused: 10,000 long polls end in one turn, and resume() is not free.
    if (this.pausedForBacklog) {
      this.pausedForBacklog = false;
      this.socket.resume();
    }
    if (!this.inLoop) this.serve();
  }

  /** Serves buffered requests until one is pending, incomplete or handed over. */
  private serve(): void {
    if (this.inLoop) return;
    this.inLoop = true;
    try {
      while (!this.done && this.current === null && this.buf !== null) {
        if (this.socket.writableNeedDrain) {
          // The client is not reading its answers: read no more requests until it does.
          this.socket.pause();
          this.socket.once('drain', () => {
            this.socket.resume();
            if (this.current === null) this.serve();
          });
          return;
        }
        const buf = this.buf;
        const head = parseRequestHeadOnce(buf);
        if (head === UNSUPPORTED || (head !== null && head.contentLength > MAX_FAST_BODY)) {
          this.handOver();
          return;
        }
        const total = head === null ? -1 : head.length + head.contentLength;
        if (head === null || buf.length < total) {
          if (this.partialSince === 0) this.partialSince = Date.now();
          this.awaitingBody = head !== null;
          if (this.ended) this.endedMidRequest(head === null ? null : head);
          return;
        }
        this.partialSince = 0;
        this.awaitingBody = false;
        this.buf = buf.length === total ? null : buf.subarray(total);
        const body = head.contentLength === 0 ? EMPTY : buf.subarray(head.length, total);
        this.dispatch(head, body, null, !head.close);
      }
      if (!this.done && this.ended && this.idle) {
        this.done = true;
        this.socket.end();
      }
    } finally {
      this.inLoop = false;
    }
  }

  private dispatch(
    head: { method: string; url: string; headers: Record<string, string> },
    body: Buffer | undefined,
    bodyError: Error | null,
    keepAlive: boolean,
  ): void {
    const req = new FastRequest(this.socket, head.method, head.url, head.headers, body, bodyError);
    const res = new FastResponse(this, req, keepAlive);
    this.current = res;
    this.host.busyPoll.request();
    this.host.handler(req, res);
  }

  /**
   * The client closed with a request half sent. As node:http with ../listen.ts (and Go): a
   * cut head is a 400; a cut body is the handler's to report (etcd: "unexpected EOF").
   */
  private endedMidRequest(
    head: { method: string; url: string; headers: Record<string, string> } | null,
  ): void {
    this.buf = null;
    if (head === null) {
      this.done = true;
      goRawError(this.socket, '400 Bad Request');
      return;
    }
    this.answeringCutBody = true;
    this.dispatch(head, undefined, new BodyReadError('unexpected EOF'), false);
  }

  private handOver(): void {
    this.done = true;
    this.handedOver = true;
    this.host.forget(this);
    const s = this.socket;
    s.off('data', this.onData);
    s.off('end', this.onEnd);
    s.off('close', this.onClose);
    s.off('error', this.onError);
    const rest = this.buf;
    this.buf = null;
    this.host.handOver(s, rest);
  }

  /** Called about once a second: Go's and node's timeouts, as node:http applies them. */
  checkTimeouts(
    now: number,
    t: { keepAliveMs: number; headersMs: number; requestMs: number },
  ): void {
    if (this.done) return;
    if (this.idle) {
      if (t.keepAliveMs > 0 && now - this.idleSince > t.keepAliveMs) this.socket.destroy();
      return;
    }
    if (this.current !== null || this.partialSince === 0) return;
    const limit = this.awaitingBody ? t.requestMs : t.headersMs;
    if (limit > 0 && now - this.partialSince > limit) {
      this.done = true;
      goRawError(this.socket, '408 Request Timeout');
    }
  }

  /** server.closeIdleConnections(): close it unless a request is in flight or arriving. */
  closeIfIdle(): void {
    if (this.idle) this.socket.destroy();
  }
}
