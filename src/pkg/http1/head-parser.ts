// The fast path's request head parser. It accepts only the plain, unambiguous form of an
// HTTP/1.1 request (what etcd's clients send) and says "unsupported" for anything else, so
// that node's complete parser, with the Go-compatible answers in ../listen.ts, takes the
// connection over from that request on: HTTP/1.0, chunked bodies, Expect, Upgrade,
// repeated headers, missing Host, odd bytes, heads past MAX_FAST_HEAD, bad syntax.

/** Longest head (request line and headers) served here; longer ones go to node:http. */
export const MAX_FAST_HEAD = 16 * 1024;
/** Largest body served here; larger ones stream through node:http. */
export const MAX_FAST_BODY = 64 * 1024;

export interface RequestHead {
  method: string;
  url: string;
  /** Lower-cased names, as node:http gives them. */
  headers: Record<string, string>;
  contentLength: number;
  /** The client asked for `Connection: close`. */
  close: boolean;
  /** Bytes of the head, its blank line included. */
  length: number;
}

/** Not served here: hand the connection to node:http. */
export const UNSUPPORTED = 'unsupported';

const END = Buffer.from('\r\n\r\n', 'latin1');
const METHODS = new Set(['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS']);
/** Anything but visible ASCII, space and tab, or a CR or LF that is not part of a CRLF. */
const ODD_BYTES = /[^\t\x20-\x7e\r\n]|\r(?!\n)|(?:^|[^\r])\n/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const LENGTH = /^\d{1,9}$/;

/** The last head without a body that parseRequestHeadOnce made, and its bytes' buffer. */
let lastHead: RequestHead | null = null;
let lastFrom: Buffer = Buffer.alloc(0);

/**
 * parseRequestHead, except that a head byte for byte the same as the last one parsed
 * without a body is not parsed again: its result is returned (the same object, its headers
 * frozen). Clients repeat the same GET over and over, on one connection or many, and the
 * parse was a fifth of what such a request allocated. The bytes are compared with the read
 * buffer the last head came in, which node never writes to again: nothing is copied, and
 * only that one buffer is kept.
 */
export function parseRequestHeadOnce(buf: Buffer): RequestHead | null | typeof UNSUPPORTED {
  const last = lastHead;
  if (
    last !== null &&
    buf.length >= last.length &&
    buf.compare(lastFrom, 0, last.length, 0, last.length) === 0
  ) {
    return last;
  }
  const head = parseRequestHead(buf);
  if (head !== null && head !== UNSUPPORTED && head.contentLength === 0) {
    Object.freeze(head.headers);
    lastHead = Object.freeze(head);
    lastFrom = buf;
  }
  return head;
}

/**
 * Parses the head at the start of `buf`: null while it is incomplete, UNSUPPORTED when it
 * is not one served here.
 */
export function parseRequestHead(buf: Buffer): RequestHead | null | typeof UNSUPPORTED {
  const end = buf.indexOf(END);
  if (end < 0) return buf.length > MAX_FAST_HEAD || !plausibleStart(buf) ? UNSUPPORTED : null;
  if (end + 4 > MAX_FAST_HEAD) return UNSUPPORTED;
  const head = buf.toString('latin1', 0, end);
  // (A CR ending the head is odd too: no LF follows it within the head.)
  if (ODD_BYTES.test(head)) return UNSUPPORTED;

  let lineEnd = head.indexOf('\r\n');
  if (lineEnd < 0) lineEnd = head.length;
  const sp1 = head.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : head.indexOf(' ', sp1 + 1);
  if (sp2 < 0 || sp2 >= lineEnd || head.slice(sp2 + 1, lineEnd) !== 'HTTP/1.1') return UNSUPPORTED;
  const method = head.slice(0, sp1);
  const url = head.slice(sp1 + 1, sp2);
  if (!METHODS.has(method) || url.charCodeAt(0) !== 47 /* / */) return UNSUPPORTED;

  // A plain object: its properties stay in place (Object.create(null) made a dictionary,
  // the largest garbage of a replayed GET's head). A name that is also one of
  // Object.prototype's (constructor, __proto__...) reads as present below: the request then
  // goes to node's parser, which takes any name.
  const headers: Record<string, string> = {};
  let contentLength = 0;
  let close = false;
  let pos = lineEnd + 2;
  while (pos < head.length) {
    let next = head.indexOf('\r\n', pos);
    if (next < 0) next = head.length;
    const colon = head.indexOf(':', pos);
    if (colon <= pos || colon >= next) return UNSUPPORTED;
    const name = head.slice(pos, colon);
    if (!TOKEN.test(name)) return UNSUPPORTED;
    const value = trimOws(head, colon + 1, next);
    const key = name.toLowerCase();
    if (headers[key] !== undefined) return UNSUPPORTED;
    switch (key) {
      case 'content-length':
        if (!LENGTH.test(value)) return UNSUPPORTED;
        contentLength = Number(value);
        break;
      case 'transfer-encoding':
      case 'expect':
      case 'upgrade':
        return UNSUPPORTED;
      case 'connection': {
        const tokens = value.toLowerCase();
        if (tokens.includes('upgrade')) return UNSUPPORTED;
        close = /(?:^|[\s,])close(?:$|[\s,])/.test(tokens);
        break;
      }
    }
    headers[key] = value;
    pos = next + 2;
  }
  if (headers.host === undefined) return UNSUPPORTED;
  return { method, url, headers, contentLength, close, length: end + 4 };
}

function trimOws(s: string, from: number, to: number): string {
  while (from < to && (s.charCodeAt(from) === 32 || s.charCodeAt(from) === 9)) from++;
  while (to > from && (s.charCodeAt(to - 1) === 32 || s.charCodeAt(to - 1) === 9)) to--;
  return s.slice(from, to);
}

/**
 * Whether an incomplete head may still become one served here. Node's parser refuses a bad
 * method or an odd byte as soon as it arrives (a TLS hello on the plain port gets its 400
 * at once), so such a head is handed over without waiting for its end.
 */
function plausibleStart(buf: Buffer): boolean {
  const text = buf.toString('latin1', 0, Math.min(buf.length, MAX_FAST_HEAD));
  if (ODD_BYTES.test(text.endsWith('\r') ? text.slice(0, -1) : text)) return false;
  const sp = text.indexOf(' ');
  if (sp >= 0) return METHODS.has(text.slice(0, sp));
  for (const m of METHODS) if (m.startsWith(text)) return true;
  return false;
}
