// Small response helpers shared by the HTTP API, shaped like Go's net/http output.
import { PreparedAnswer } from '../pkg/http1/fast-response.js';
import type { HttpRequest, HttpResponse } from '../pkg/http1/types.js';

/** Go sends a Content-Length when the whole body fits its 2048-byte buffer, else chunks. */
const GO_CHUNKING_THRESHOLD = 2048;

/** Writes a complete body with Go's framing (Content-Length or chunked). HEAD gets no body. */
export function endBody(res: HttpResponse, status: number, body: string): void {
  const len = Buffer.byteLength(body);
  if (len <= GO_CHUNKING_THRESHOLD) {
    res.setHeader('Content-Length', len);
    res.writeHead(status);
    res.end(body);
  } else {
    res.writeHead(status);
    if (res.req?.method !== 'HEAD') res.write(body);
    res.end();
  }
}

/**
 * endBody with the headers given as one flat [name, value, ...] list to writeHead: Node then
 * skips setHeader's per-response header map. Headers set earlier (CORS) still come first.
 * The Content-Length, when Go would send one, is added to `headers`; `len` is the body's
 * length in bytes, if known.
 */
export function endBodyWith(
  res: HttpResponse,
  status: number,
  headers: string[],
  body: string,
  len = Buffer.byteLength(body),
): void {
  const chunked = goChunks(len);
  if (!chunked) headers.push('Content-Length', String(len));
  writeFramed(res, status, headers, body, chunked, len);
}

/** Whether Go chunks a body of `len` bytes, rather than sending its Content-Length. */
export function goChunks(len: number): boolean {
  return len > GO_CHUNKING_THRESHOLD;
}

/**
 * Writes the head and the body as framed already: `headers` carry the Content-Length
 * unless `chunked`. HEAD gets no body. `bodyBytes` is the body's length in bytes, if known.
 */
export function writeFramed(
  res: HttpResponse,
  status: number,
  headers: readonly string[],
  body: string,
  chunked: boolean,
  bodyBytes = -1,
): void {
  // A chunked answer on the fast path goes in one write (head, the one chunk, the end)
  // rather than two, encoded once.
  if (chunked && res.sendPrepared !== undefined) {
    const n = bodyBytes >= 0 ? bodyBytes : Buffer.byteLength(body);
    if (res.sendPrepared(new PreparedAnswer(status, headers, body, n, true))) return;
  }
  res.writeHead(status, headers as string[]);
  if (!chunked) {
    res.end(body);
    return;
  }
  if (res.req?.method !== 'HEAD') res.write(body);
  res.end();
}

/** JSON body with Content-Type application/json. */
export function writeJSON(res: HttpResponse, status: number, body: string): void {
  res.setHeader('Content-Type', 'application/json');
  endBody(res, status, body);
}

/** Go's http.Error: text/plain, nosniff, message and a newline. */
export function writePlainError(res: HttpResponse, status: number, message: string): void {
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  endBody(res, status, `${message}\n`);
}

/** 405 with Allow (etcd's allowMethod); returns false when the method is not allowed. */
export function allowMethod(
  req: HttpRequest,
  res: HttpResponse,
  methods: readonly string[],
): boolean {
  if (methods.includes(req.method ?? '')) return true;
  res.setHeader('Allow', methods.join(','));
  writePlainError(res, 405, 'Method Not Allowed');
  return false;
}

export class BodyTooLargeError extends Error {}

export { BodyReadError } from '../pkg/listen.js';

/** Reads the whole body; rejects with BodyTooLargeError past `max` bytes (stops reading). */
export function readBody(req: HttpRequest, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const onData = (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > max) {
        done = true;
        req.off('data', onData);
        req.pause();
        reject(new BodyTooLargeError(`body larger than ${max} bytes`));
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.once('end', () => {
      if (done) return;
      done = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    req.once('error', (e) => {
      if (done) return;
      done = true;
      reject(e);
    });
  });
}
