// /v2/keys over HTTP, answering as etcd's v2http keysHandler does: same parameters, same
// validation errors, same JSON bytes and headers, long-poll and stream watches.
import type { HttpRequest, HttpResponse } from '../pkg/http1/types.js';
import { EtcdError, invalidForm, raftInternal } from '../store/errors.js';
import type { StoreEvent } from '../store/event.js';
import { errorJSON, eventJSON, eventLineOnce } from '../store/json.js';
import type { StoreWatcher } from '../store/watcher.js';
import type { KeysBackend } from './backend.js';
import type { GetAnswers } from './get-answers.js';
import { writeLongEvent } from './long-answer.js';
import { type Form, FormError, goUnescape, parseFormBytesInto } from '../pkg/go-query.js';
import { muxCleanPath } from './keys-form.js';
import { unixNano } from '../pkg/go-time.js';
import { parseKeyRequest, STORE_KEYS_PREFIX } from './keys-request.js';
import {
  allowMethod,
  BodyReadError,
  BodyTooLargeError,
  endBody,
  endBodyWith,
  readBody,
} from './http-util.js';

const METHODS = ['HEAD', 'GET', 'PUT', 'POST', 'DELETE'] as const;
/** Go's limit on a urlencoded form body (net/http maxFormSize). */
export const MAX_FORM_SIZE = 10 << 20;

// Headers are set in Go's order (sorted by name), so the wire looks like the reference's.

/** Writes an error's answer; `keepAs` (a plain GET's URL) also keeps it in `answers`. */
function writeKeyError(
  res: HttpResponse,
  err: unknown,
  backend: KeysBackend,
  answers?: GetAnswers,
  keepAs?: string,
): void {
  let e =
    err instanceof EtcdError ? err : raftInternal(err instanceof Error ? err.message : String(err));
  // etcd's trimErrorPrefix: causes name keys without the store's "/1" root.
  if (e.cause.startsWith(STORE_KEYS_PREFIX)) {
    e = e.withCause(e.cause.slice(STORE_KEYS_PREFIX.length));
  }
  const headers = jsonHeaders(backend, e.index);
  const body = `${errorJSON(e)}\n`;
  const len = Buffer.byteLength(body);
  if (answers !== undefined && keepAs !== undefined)
    answers.keep(keepAs, e.status, headers, body, len, null);
  endBodyWith(res, e.status, headers, body, len);
}

/** A key response's headers as one flat list for writeHead (errors carry no raft position). */
function jsonHeaders(backend: KeysBackend, etcdIndex: number): string[] {
  return [
    'Content-Type',
    'application/json',
    'X-Etcd-Cluster-Id',
    backend.clusterId(),
    'X-Etcd-Index',
    String(etcdIndex),
  ];
}

function setIndexHeaders(res: HttpResponse, etcdIndex: number, backend: KeysBackend): void {
  res.setHeader('X-Etcd-Cluster-Id', backend.clusterId());
  res.setHeader('X-Etcd-Index', String(etcdIndex));
  res.setHeader('X-Raft-Index', String(backend.raftIndex()));
  res.setHeader('X-Raft-Term', String(backend.raftTerm()));
}

/** Writes the event's answer; `keepAs` (a plain GET's URL) also keeps it in `answers`. */
function writeKeyEvent(
  res: HttpResponse,
  ev: StoreEvent,
  backend: KeysBackend,
  answers?: GetAnswers,
  keepAs?: string,
): void {
  const headers = jsonHeaders(backend, ev.etcdIndex);
  headers.push(
    'X-Raft-Index',
    String(backend.raftIndex()),
    'X-Raft-Term',
    String(backend.raftTerm()),
  );
  const status = ev.isCreated() ? 201 : 200;
  if (writeLongEvent(res, status, headers, ev, STORE_KEYS_PREFIX, answers, keepAs)) return;
  const body = `${eventJSON(ev, STORE_KEYS_PREFIX)}\n`;
  const len = Buffer.byteLength(body);
  // Kept before endBodyWith adds the Content-Length to `headers`.
  if (answers !== undefined && keepAs !== undefined)
    answers.keep(keepAs, status, headers, body, len, ev.node);
  endBodyWith(res, status, headers, body, len);
}

// Go's url escaping of a path (shouldEscape in encodePath mode).
function escapePath(p: string): string {
  let out = '';
  for (const b of Buffer.from(p, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~$&+,/:;=@]/.test(c)) out += c;
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Go's ServeMux answer to a path that is not clean: 301 to the clean one. */
function redirect(
  req: HttpRequest,
  res: HttpResponse,
  cleaned: string,
  rawQuery: string | null,
): void {
  const url = escapePath(cleaned) + (rawQuery !== null && rawQuery !== '' ? `?${rawQuery}` : '');
  res.setHeader('Location', url);
  if (req.method === 'GET' || req.method === 'HEAD')
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
  const body =
    req.method === 'GET'
      ? `<a href="${url.replace(/&/g, '&amp;').replace(/"/g, '&#34;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&#39;')}">Moved Permanently</a>.\n\n`
      : '';
  endBody(res, 301, body);
}

function mediaType(ct: string | undefined): string {
  if (ct === undefined || ct === '') return 'application/octet-stream';
  const i = ct.indexOf(';');
  return (i < 0 ? ct : ct.slice(0, i)).trim().toLowerCase();
}

/**
 * Go's Request.ParseForm: a PUT or POST's urlencoded body first, then the query string.
 * When there is no body to wait for (GET, HEAD, DELETE, another content type, or a body
 * the fast path has already read whole) it answers at once: no promise, no turn of the
 * microtask queue.
 */
function parseForm(req: HttpRequest, rawQuery: string): Form | Promise<Form> {
  if (req.method !== 'PUT' && req.method !== 'POST') return formOf(null, null, rawQuery);
  const ct = req.headers['content-type'];
  const type = mediaType(ct);
  if (ct !== undefined && type === '')
    return formOf(null, new FormError('mime: no media type'), rawQuery);
  if (type !== 'application/x-www-form-urlencoded') return formOf(null, null, rawQuery);
  if (req.completeBody !== undefined) return formOf(req.completeBody, null, rawQuery);
  return readBodyForm(req, rawQuery);
}

async function readBodyForm(req: HttpRequest, rawQuery: string): Promise<Form> {
  let body: Buffer;
  try {
    body = await readBody(req, MAX_FORM_SIZE);
  } catch (e) {
    if (e instanceof BodyTooLargeError) throw new FormError('http: POST too large');
    if (e instanceof BodyReadError) throw new FormError(e.message);
    throw e;
  }
  return formOf(body, null, rawQuery);
}

/**
 * The body's fields, then the query's; throws the first error (`error`, if given). Both
 * are parsed as bytes, each field its own string: a value cut from the query's string
 * would keep the request's whole head alive for as long as its key lives.
 */
function formOf(body: Buffer | null, error: FormError | null, rawQuery: string): Form {
  const form: Form = new Map();
  let first = error;
  if (body !== null) {
    try {
      parseFormBytesInto(form, body);
    } catch (e) {
      first = e as FormError;
    }
  }
  try {
    if (rawQuery !== '') parseFormBytesInto(form, Buffer.from(rawQuery, 'latin1'));
  } catch (e) {
    first ??= e as FormError;
  }
  if (first !== null) throw first;
  return form;
}

/**
 * Frees the watcher when its client goes (`gone` then turns true), or at once if the client
 * went while the request was being read; release() frees it and stops listening.
 */
function watchClient(res: HttpResponse, w: StoreWatcher): { gone: boolean; release(): void } {
  const onClose = () => {
    client.gone = true;
    w.remove();
  };
  const client = {
    gone: false,
    release() {
      w.remove();
      res.off('close', onClose);
    },
  };
  res.once('close', onClose);
  if (res.socket === null || res.socket.destroyed) onClose();
  return client;
}

/** Sends the answer's head at once, so a watching client knows it is registered. */
function startWatchAnswer(res: HttpResponse, w: StoreWatcher, backend: KeysBackend): void {
  res.setHeader('Content-Type', 'application/json');
  setIndexHeaders(res, w.startIndex, backend);
  res.writeHead(200);
  res.flushHeaders();
}

/**
 * A long poll: one event ends the answer. Held by a callback on the watcher's promise,
 * not by an async function awaited up the request's call chain: one write reaches 10,000
 * of these, and each then costs one promise reaction instead of resuming four frames.
 */
function holdLongPoll(res: HttpResponse, w: StoreWatcher, backend: KeysBackend): void {
  const client = watchClient(res, w);
  try {
    startWatchAnswer(res, w, backend);
  } catch (e) {
    client.release();
    throw e;
  }
  void w.next().then((ev) => {
    client.release();
    if (client.gone) return;
    try {
      // The one event and the end of the answer go out in one write.
      if (ev === null) res.end();
      else res.end(eventLineOnce(ev, STORE_KEYS_PREFIX));
    } catch {
      res.destroy();
    }
  });
}

async function streamWatch(
  res: HttpResponse,
  w: StoreWatcher,
  backend: KeysBackend,
): Promise<void> {
  const client = watchClient(res, w);
  try {
    startWatchAnswer(res, w, backend);
    while (!client.gone) {
      const ev = await w.next();
      if (ev === null || client.gone) break;
      const ok = res.write(eventLineOnce(ev, STORE_KEYS_PREFIX));
      if (!ok) {
        // Wait for the socket; meanwhile the watcher's bounded queue fills, and the hub drops
        // it if the client cannot keep up.
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.once('drain', done);
          res.once('close', done);
        });
        if (client.gone) break;
      }
    }
  } finally {
    client.release();
    if (!client.gone) res.end();
  }
}

/**
 * Serves one /v2/keys request. Never throws. With `answers`, a plain GET's answer is kept
 * there for the next same request (the caller replays it: get-answers.ts).
 */
export async function handleKeys(
  req: HttpRequest,
  res: HttpResponse,
  backend: KeysBackend,
  answers?: GetAnswers,
): Promise<void> {
  try {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? null : url.slice(q + 1);
    let path: string;
    try {
      path = goUnescape(rawPath, false);
    } catch {
      // Go's server refuses a bad request URI before any handler, and closes.
      req.socket.end(
        'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request',
      );
      return;
    }
    const cleaned = muxCleanPath(path);
    if (cleaned !== path) {
      redirect(req, res, cleaned, rawQuery);
      return;
    }
    if (!allowMethod(req, res, METHODS)) return;
    let form: Form;
    try {
      const f = parseForm(req, rawQuery ?? '');
      form = f instanceof Promise ? await f : f;
    } catch (e) {
      if (!(e instanceof FormError)) throw e;
      if (e.message === 'http: POST too large') res.setHeader('Connection', 'close');
      writeKeyError(res, invalidForm(e.message), backend);
      return;
    }
    const method = req.method!;
    const r = parseKeyRequest(method, path, form, unixNano(backend.now()));
    // A quorum GET stays a GET: the member decides how to make it linearizable.
    if (method === 'HEAD') r.method = 'GET';
    // As etcd 2.0's server: a quorum GET is a read, never a watch (wait is ignored).
    if (r.method === 'GET' && r.wait && !r.quorum && method === 'GET') {
      let w: StoreWatcher;
      try {
        w = backend.watch(r.path, r.recursive, r.stream, r.since);
      } catch (e) {
        writeKeyError(res, e, backend);
        return;
      }
      if (r.stream) await streamWatch(res, w, backend);
      else holdLongPoll(res, w, backend);
      return;
    }
    if (r.method === 'GET') r.wait = false;
    // A plain GET's answer is there at once: no promise, no extra turn of the loop. It is
    // a function of the URL and the store's state, so it is kept, a miss as well.
    const keepAs = method === 'GET' && !r.quorum ? url : undefined;
    let got: StoreEvent | Promise<StoreEvent>;
    try {
      got = backend.do(r);
    } catch (e) {
      // Only the store's own answers are kept: anything else is a fault, not a state.
      writeKeyError(res, e, backend, answers, e instanceof EtcdError ? keepAs : undefined);
      return;
    }
    if (got instanceof Promise) writeKeyEvent(res, await got, backend);
    else writeKeyEvent(res, got, backend, answers, keepAs);
  } catch (e) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    writeKeyError(res, e, backend);
  }
}
