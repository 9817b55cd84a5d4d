// The fast path's response: node's ServerResponse as the client API uses it (types.ts),
// written with one socket write per response where node makes several calls. The bytes
// are node's (header order, Date, framing) minus the Connection: keep-alive and Keep-Alive
// lines node adds and Go etcd does not send.
import { type OutgoingHttpHeaders, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { PooledBytes } from '../pooled-bytes.js';
import type { FastRequest } from './fast-request.js';
import { LazyEvents } from './lazy-events.js';

/** What a response tells its connection. */
export interface ResponseOwner {
  finished(res: FastResponse): void;
}

let dateSecond = -1;
let dateText = '';
/** The Date header's value, built once a second. */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

type HeaderValue = string | readonly string[];
const NO_FIELDS: readonly [string, string, HeaderValue][] = [];

/** "HTTP/1.1 200 OK\r\n", with node's reason phrases. */
function statusLine(status: number): string {
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n`;
}

/**
 * Above this many bytes a prepared answer is kept encoded: node's socket write of a string
 * this long measures its UTF-8 length before encoding it, a second pass over it.
 */
const ENCODED_FROM = 16 << 10;

/**
 * A whole answer sent as one write, often again and again unchanged (a kept GET answer):
 * headers as a flat [name, value, ...] list, framed with their Content-Length or, when
 * `chunked`, as one chunk the way Go frames a body over its buffer (`bodyBytes` is the
 * body's length in bytes). Its bytes on the fast path are made once and again when the
 * Date's second changes: no head to assemble and no string to flatten per request, the
 * main garbage of a replayed GET; a long one is kept as bytes, encoded once.
 */
export class PreparedAnswer {
  private bytes: string | Buffer = '';
  private second = -1;

  constructor(
    readonly status: number,
    readonly headers: readonly string[],
    /** The body as text, or as its UTF-8 bytes (kept, never changed). */
    readonly body: string | Buffer,
    readonly bodyBytes = Buffer.byteLength(body),
    readonly chunked = false,
  ) {}

  /** The body as text (for node's writes, where the fast path declines). */
  bodyText(): string {
    return typeof this.body === 'string' ? this.body : this.body.toString();
  }

  /** The response's bytes (as text, or encoded when long) with this second's Date. */
  textNow(): string | Buffer {
    const date = httpDate();
    if (dateSecond !== this.second) {
      const head = wholeHead(this.status, this.headers, this.bodyBytes, this.chunked, date);
      const tail = this.chunked ? CHUNKED_TAIL : '';
      this.bytes = encodedOrFlat(head, this.body, tail, this.bodyBytes);
      this.second = dateSecond;
    }
    return this.bytes;
  }
}

/** What follows the one chunk of a chunked whole answer: its end, and the body's. */
const CHUNKED_TAIL = '\r\n0\r\n\r\n';

/**
 * The head of a whole answer: status line, `headers`, the Date (this second's), and the
 * framing up to the body (`chunked`: one chunk of `bodyBytes`; else the headers carry the
 * length).
 */
function wholeHead(
  status: number,
  headers: readonly string[],
  bodyBytes: number,
  chunked: boolean,
  date = httpDate(),
): string {
  let s = statusLine(status);
  for (let i = 0; i + 1 < headers.length; i += 2) s += `${headers[i]}: ${headers[i + 1]}\r\n`;
  s += `Date: ${date}\r\n`;
  return chunked
    ? `${s}Transfer-Encoding: chunked\r\n\r\n${bodyBytes.toString(16)}\r\n`
    : `${s}\r\n`;
}

/**
 * head + body + tail as one flat string or, when the body is long or bytes already, as
 * their UTF-8 bytes.
 */
function encodedOrFlat(
  head: string,
  body: string | Buffer,
  tail: string,
  bodyBytes: number,
): string | Buffer {
  // Flattened now, once, rather than by the first socket write of each second.
  if (typeof body === 'string' && bodyBytes < ENCODED_FROM) return flat(head + body + tail);
  const headBytes = Buffer.byteLength(head);
  const bodyEnd = headBytes + bodyBytes;
  const b = Buffer.allocUnsafe(bodyEnd + tail.length);
  b.write(head, 0);
  if (typeof body === 'string') b.write(body, headBytes);
  else body.copy(b, headBytes);
  b.write(tail, bodyEnd);
  return b;
}

/** `s` as one sequential string (a concatenation is a tree until something flattens it). */
function flat(s: string): string {
  // Reading a character from a concatenation makes V8 flatten it in place.
  s.charCodeAt(0);
  return s;
}

export class FastResponse extends LazyEvents {
  statusCode = 200;
  shouldKeepAlive: boolean;
  headersSent = false;
  finished = false;
  /** [lower-cased name, name, value] per header, in the order they were set. */
  private fields: [string, string, HeaderValue][] | null = null;
  private sent = false;
  private chunked = false;
  private waitingForDrain = false;

  constructor(
    private readonly owner: ResponseOwner,
    readonly req: FastRequest,
    keepAlive: boolean,
  ) {
    super();
    this.shouldKeepAlive = keepAlive;
  }

  /** As node: no body for HEAD, 204 and 304 (whatever the handler writes). */
  private get hasBody(): boolean {
    return this.req.method !== 'HEAD' && this.statusCode !== 204 && this.statusCode !== 304;
  }

  get socket(): Socket | null {
    return this.finished ? null : this.req.socket;
  }

  setHeader(name: string, value: number | string | readonly string[]): this {
    if (this.headersSent) throw new Error(`headers already sent, cannot set ${name}`);
    this.put(name, typeof value === 'number' ? String(value) : value);
    return this;
  }

  writeHead(status: number, headers?: OutgoingHttpHeaders | string[]): this {
    if (this.headersSent) throw new Error('headers already sent');
    this.statusCode = status;
    if (Array.isArray(headers)) {
      for (let i = 0; i + 1 < headers.length; i += 2) this.put(headers[i]!, headers[i + 1]!);
    } else if (headers !== undefined) {
      for (const [k, v] of Object.entries(headers)) {
        if (v !== undefined) this.put(k, typeof v === 'number' ? String(v) : v);
      }
    }
    this.headersSent = true;
    return this;
  }

  /**
   * Sends `a` whole, if nothing of this response is set yet, it has a body (not HEAD,
   * 204 or 304) and its connection is kept alive (the bytes are then exactly those
   * writeHead and end would write); false, having done nothing, otherwise.
   */
  sendPrepared(a: PreparedAnswer): boolean {
    if (!this.canSendWhole(a.status)) return false;
    this.sendWhole(a.status, a.textNow());
    return true;
  }

  /**
   * Sends the body written into `bytes` (after its headroom) as one write, its head framed
   * as a PreparedAnswer's (`headers` carry the Content-Length unless `chunked`); `bytes` is
   * released once written. False, having done nothing, where sendPrepared would decline or
   * the head does not fit the headroom.
   */
  sendBytes(
    status: number,
    headers: readonly string[],
    bytes: PooledBytes,
    chunked: boolean,
  ): boolean {
    if (!this.canSendWhole(status)) return false;
    const head = wholeHead(status, headers, bytes.bodyLength, chunked);
    if (Buffer.byteLength(head) > bytes.headroom) return false;
    if (chunked) bytes.put(CHUNKED_TAIL);
    this.sendWhole(status, bytes.prepend(head)!, () => bytes.release());
    return true;
  }

  /** Writes a whole answer's bytes and finishes; `written` runs once they are out (or dropped). */
  private sendWhole(status: number, data: string | Buffer, written?: () => void): void {
    this.statusCode = status;
    this.headersSent = true;
    this.sent = true;
    const socket = this.req.socket;
    if (!socket.writable) written?.();
    else if (written === undefined) socket.write(data);
    else socket.write(data, written);
    this.finished = true;
    this.owner.finished(this);
  }

  /** Whether an answer of `status` can go whole (see sendPrepared). */
  private canSendWhole(status: number): boolean {
    return (
      !this.headersSent &&
      this.fields === null &&
      this.shouldKeepAlive &&
      this.req.method !== 'HEAD' &&
      status !== 204 &&
      status !== 304
    );
  }

  flushHeaders(): void {
    if (!this.sent) this.send(this.startChunked());
  }

  write(chunk: string): boolean {
    if (this.finished) return false;
    let out = this.sent ? '' : this.startChunked();
    if (this.hasBody && chunk.length > 0) out = out === '' ? framedOnce(chunk) : out + frame(chunk);
    const ok = this.send(out);
    if (!ok && !this.waitingForDrain) {
      this.waitingForDrain = true;
      this.req.socket.once('drain', () => {
        this.waitingForDrain = false;
        this.emit('drain');
      });
    }
    return ok;
  }

  end(chunk?: string): this {
    if (this.finished) return this;
    const body = chunk ?? '';
    let out: string;
    if (!this.sent) {
      out = this.head(this.hasBody && !this.has('content-length') ? Buffer.byteLength(body) : -1);
      if (this.hasBody) out += body;
    } else if (this.chunked) {
      out = this.hasBody && body.length > 0 ? lastChunk(body) : '0\r\n\r\n';
    } else {
      out = this.hasBody ? body : '';
    }
    this.send(out);
    this.finished = true;
    this.owner.finished(this);
    return this;
  }

  destroy(_error?: Error): this {
    this.req.socket.destroy();
    return this;
  }

  /** The head of a response whose body follows in chunks (watches). */
  private startChunked(): string {
    this.chunked = this.hasBody && !this.has('content-length');
    return this.head(-1);
  }

  /** Status line and headers; `contentLength` ≥ 0 adds a Content-Length (node's framing). */
  private head(contentLength: number): string {
    this.headersSent = true;
    this.sent = true;
    let s = statusLine(this.statusCode);
    let connection = false;
    let date = false;
    for (const [key, name, value] of this.fields ?? NO_FIELDS) {
      if (key === 'connection') {
        connection = true;
        if (typeof value === 'string' && value.toLowerCase() === 'close')
          this.shouldKeepAlive = false;
      } else if (key === 'date') date = true;
      if (typeof value === 'string') s += `${name}: ${value}\r\n`;
      else for (const v of value) s += `${name}: ${v}\r\n`;
    }
    if (!date) s += `Date: ${httpDate()}\r\n`;
    if (!connection && !this.shouldKeepAlive) s += 'Connection: close\r\n';
    if (this.statusCode === 204 || this.statusCode === 304) this.chunked = false;
    else if (this.chunked) s += 'Transfer-Encoding: chunked\r\n';
    else if (contentLength >= 0) s += `Content-Length: ${contentLength}\r\n`;
    return `${s}\r\n`;
  }

  private send(data: string): boolean {
    const socket = this.req.socket;
    if (data.length === 0 || !socket.writable) return socket.writable;
    return socket.write(data);
  }

  private has(key: string): boolean {
    return this.fields?.some((f) => f[0] === key) ?? false;
  }

  private put(name: string, value: HeaderValue): void {
    const key = name.toLowerCase();
    // Made at the first header: a replayed GET sets none.
    const fields = (this.fields ??= []);
    const i = fields.findIndex((f) => f[0] === key);
    if (i >= 0) fields[i] = [key, name, value];
    else fields.push([key, name, value]);
  }
}

/**
 * `make`, remembering its last input and (flattened) output: one event reaches 1,000 stream
 * watchers and 10,000 long polls as the same string, so its framing is made once for all.
 */
function lastOnly(make: (s: string) => string): (s: string) => string {
  let input: string | null = null;
  let output = '';
  return (s) => {
    if (s !== input) {
      output = flat(make(s));
      input = s;
    }
    return output;
  };
}

/** A chunk framed. */
const framedOnce = lastOnly(frame);
/** The last chunk framed and the end of the body after it. */
const lastChunk = lastOnly((body) => `${frame(body)}0\r\n\r\n`);

function frame(chunk: string): string {
  return `${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n`;
}
