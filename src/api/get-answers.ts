// Answers to plain GETs of /v2/keys, kept and replayed while nothing they show can have
// changed. Every byte of such an answer is a function of the request URL, the store (whose
// index moves with every change to it, expirations included), the raft position in its
// headers and the cluster ID; so an answer stays exact until one of those moves, and then
// all of them are dropped at once. Answers that show a TTL are never kept: their "ttl"
// counts down with the clock. Read-heavy clients asking for the same keys (the common
// case: configuration, service discovery) then cost a map lookup instead of a URL parse,
// a store walk and a JSON encoding.
import { PreparedAnswer } from '../pkg/http1/fast-response.js';
import type { HttpResponse } from '../pkg/http1/types.js';
import { type NodeExtern, showsExpiration } from '../store/event.js';
import type { KeysBackend } from './backend.js';
import { goChunks, writeFramed } from './http-util.js';

/** At most this many answers are kept at one position, */
const MAX_ANSWERS = 512;
/** each at most this large (bytes of JSON), */
const MAX_BODY = 1 << 20;
/**
 * and all of them at most this large; each is held twice (as kept, and as this second's
 * bytes to send), so the cache holds 16 MiB at worst.
 */
const MAX_BYTES = 8 << 20;

interface Answer {
  readonly status: number;
  /** Flat [name, value, ...] as writeHead takes them, Content-Length included if framed so. */
  readonly headers: readonly string[];
  readonly chunked: boolean;
  readonly byteLength: number;
  /** The same answer for the fast path's one-write send. */
  readonly prepared: PreparedAnswer;
}

export class GetAnswers {
  private readonly answers = new Map<string, Answer>();
  /** The kept bodies' bytes. */
  private bytes = 0;
  /** URLs of long answers asked for once at this position (see askedBefore). */
  private readonly asked = new Set<string>();
  private storeIndex = -1;
  private raftIndex = -1;
  private raftTerm = -1;
  private clusterId = '';

  constructor(private readonly backend: KeysBackend) {}

  /** Answers a GET from the cache with its status; 0 when it holds no current answer. */
  serve(url: string, res: HttpResponse): number {
    if (this.answers.size === 0 || !this.current()) return 0;
    const a = this.answers.get(url);
    if (a === undefined) return 0;
    this.backend.noteCachedGet(a.status >= 400);
    if (res.sendPrepared?.(a.prepared) !== true) {
      writeFramed(res, a.status, a.headers, a.prepared.bodyText(), a.chunked, a.byteLength);
    }
    return a.status;
  }

  /**
   * Keeps the answer just computed for a plain (not quorum, not wait) GET of `url`, which
   * shows `node` (null: an error). The headers are copied, with the Content-Length Go would
   * send; `byteLength` is the body's length in bytes.
   */
  keep(
    url: string,
    status: number,
    headers: readonly string[],
    body: string | Buffer,
    byteLength: number,
    node: NodeExtern | null,
  ): void {
    if (byteLength > MAX_BODY || (node !== null && showsExpiration(node))) return;
    if (!this.current()) this.reset();
    if (this.answers.size >= MAX_ANSWERS || this.bytes + byteLength > MAX_BYTES) return;
    if (this.answers.has(url)) return;
    const chunked = goChunks(byteLength);
    const h = headers.slice();
    if (!chunked) h.push('Content-Length', String(byteLength));
    const prepared = new PreparedAnswer(status, h, body, byteLength, chunked);
    this.answers.set(url, { status, headers: h, chunked, byteLength, prepared });
    this.bytes += byteLength;
  }

  /**
   * Whether a long answer for `url` was asked for before at this position: only then is it
   * worth a copy to keep (a listing asked for once, or with a changing query, is not).
   */
  askedBefore(url: string): boolean {
    if (!this.current()) this.reset();
    if (this.asked.has(url)) return true;
    if (this.asked.size < MAX_ANSWERS) this.asked.add(url);
    return false;
  }

  /** Whether the kept answers are still those of the backend's present position (if not, they are dropped). */
  private current(): boolean {
    const b = this.backend;
    if (
      b.storeIndex() === this.storeIndex &&
      b.raftIndex() === this.raftIndex &&
      b.raftTerm() === this.raftTerm &&
      b.clusterId() === this.clusterId
    )
      return true;
    this.answers.clear();
    this.asked.clear();
    this.bytes = 0;
    return false;
  }

  private reset(): void {
    const b = this.backend;
    this.storeIndex = b.storeIndex();
    this.raftIndex = b.raftIndex();
    this.raftTerm = b.raftTerm();
    this.clusterId = b.clusterId();
  }
}
