// Responses the client API writes outside /v2/keys, byte for byte as etcd's Go handlers
// (http.Error, httptypes.HTTPError, json.Encoder).
import { PreparedAnswer } from '../pkg/http1/fast-response.js';
import type { HttpResponse } from '../pkg/http1/types.js';

const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json';

/** http.Error(w, msg, code): text/plain, nosniff, the message and a newline. */
export function goHttpError(res: HttpResponse, status: number, msg: string): void {
  const body = `${msg}\n`;
  res.writeHead(status, {
    'Content-Type': TEXT,
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** 405 with `Allow` (etcd's allowMethod), or without it when allow is ''. */
export function methodNotAllowed(res: HttpResponse, allow: string): void {
  if (allow !== '') res.setHeader('Allow', allow);
  goHttpError(res, 405, 'Method Not Allowed');
}

export function notFound(res: HttpResponse): void {
  goHttpError(res, 404, '404 page not found');
}

/** httptypes.HTTPError: JSON {"message": ...} without a trailing newline. */
export function jsonMessage(res: HttpResponse, status: number, message: string): void {
  writeBody(res, status, JSON_TYPE, JSON.stringify({ message }));
}

export function writeJSON(res: HttpResponse, status: number, json: string): void {
  writeBody(res, status, JSON_TYPE, json);
}

export function writeText(res: HttpResponse, status: number, text: string, head = false): void {
  res.writeHead(status, { 'Content-Length': Buffer.byteLength(text), 'Content-Type': TEXT });
  res.end(head ? undefined : text);
}

/** writeText's answer of a text that never changes, made once (see writePrepared). */
export function preparedText(status: number, text: string): PreparedAnswer {
  return new PreparedAnswer(
    status,
    ['Content-Length', String(Buffer.byteLength(text)), 'Content-Type', TEXT],
    text,
  );
}

/** Sends a prepared text answer whole on the fast path; writeText's calls otherwise. */
export function writePrepared(res: HttpResponse, a: PreparedAnswer): void {
  if (res.sendPrepared?.(a) !== true) writeText(res, a.status, a.bodyText());
}

function writeBody(res: HttpResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
