// A GET answer too long to build as one string (a big listing) is written in pieces into
// pooled bytes and sent in one write (pooled-bytes.ts says why). GetAnswers keeps a copy
// of its bytes the second time it is asked for at one position, not the first: a copy
// costs fresh pages too, wasted on a listing asked for once.
import type { HttpResponse } from '../pkg/http1/types.js';
import { PooledBytes } from '../pkg/pooled-bytes.js';
import type { StoreEvent } from '../store/event.js';
import { nodeJSONSizeHint, writeEventLine } from '../store/json.js';
import type { GetAnswers } from './get-answers.js';
import { goChunks, writeFramed } from './http-util.js';

/** Answers estimated at this many bytes or more are long. */
const LONG_ANSWER = 64 << 10;
/** Room for the head: status line, a few headers, Date and the chunk's size. */
const HEADROOM = 1024;

/**
 * Writes the event's answer to a GET when it is long and `res` takes bytes (the fast
 * path); false, having written nothing, otherwise. `headers` get the Content-Length if
 * Go would send one. `keepAs` (a plain GET's URL) may keep it in `answers`.
 */
export function writeLongEvent(
  res: HttpResponse,
  status: number,
  headers: string[],
  ev: StoreEvent,
  trim: string,
  answers?: GetAnswers,
  keepAs?: string,
): boolean {
  if (res.sendBytes === undefined || res.req.method !== 'GET') return false;
  const hint = nodeJSONSizeHint(ev.node);
  if (hint < LONG_ANSWER) return false;
  const bytes = new PooledBytes(HEADROOM, hint);
  writeEventLine(bytes, ev, trim);
  const len = bytes.bodyLength;
  if (answers !== undefined && keepAs !== undefined && answers.askedBefore(keepAs)) {
    answers.keep(keepAs, status, headers, bytes.bodyCopy(), len, ev.node);
  }
  const chunked = goChunks(len);
  if (!chunked) headers.push('Content-Length', String(len));
  if (res.sendBytes(status, headers, bytes, chunked)) return true;
  // Declined (a header set before, a closing connection): the same bytes, as node writes them.
  const body = bytes.text();
  bytes.release();
  writeFramed(res, status, headers, body, chunked, len);
  return true;
}
