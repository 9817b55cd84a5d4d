// A cursor over JSON text held as bytes, for documents too large to be one JS string (V8
// strings stop at ~512 MiB; a store snapshot of 1.3M 256-byte keys is past that) or to be
// parsed into a tree first. The caller walks the structure it expects and takes strings and
// numbers where they are; anything else can be skipped or handed to JSON.parse by range.
// The bytes are either all given at once or pulled from a source as the walk needs them (a
// file read a chunk at a time into one buffer: never all of it in memory at once).
import { Buffer } from 'node:buffer';

export class JsonSyntaxError extends Error {}

/** Fills `buf` from `at` with at most `max` more bytes of the document; 0 at its end. */
export type JsonPull = (buf: Uint8Array, at: number, max: number) => number;

/** Bytes a string's scan stops at: '"', '\\', controls and non-ASCII (0 for the rest). */
const STOP = new Uint8Array(256);
for (let c = 0; c < 256; c++) STOP[c] = c < 0x20 || c === 34 || c === 92 || c >= 0x80 ? 1 : 0;

/** With a source: bytes kept after the read position where there are (see peek). */
const LOOKAHEAD = 64;
const PULL_CHUNK = 1 << 20;

/** Set in JsonBytes.flags by scanString: the string holds an escape. */
const ESCAPED = 1;
/** ...or a byte outside ASCII (decoded as UTF-8). */
const NON_ASCII = 2;

export class JsonBytes {
  /** The read position in `buf`. */
  pos = 0;
  /** The last string scanned: its content's byte range (no quotes) and what it holds. */
  private start = 0;
  private end = 0;
  private flags = 0;
  private buf: Buffer;
  /** How many bytes of `buf` hold the document (the rest is room for pulled bytes). */
  private len: number;
  /** The document's offset of buf[0] (bytes before it were let go of). */
  private base = 0;
  private pull: JsonPull | null;
  /** A position whose bytes a pull must keep (parseValue's start), or -1. */
  private mark = -1;

  /** `bufferSize`: with a source, the buffer's size to start with (it grows for long strings). */
  constructor(bytes: Uint8Array | JsonPull, bufferSize = PULL_CHUNK) {
    if (typeof bytes === 'function') {
      this.pull = bytes;
      this.buf = Buffer.allocUnsafe(Math.max(bufferSize, 1));
      this.len = 0;
    } else {
      this.pull = null;
      this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      this.len = this.buf.length;
    }
  }

  error(what: string): never {
    throw new JsonSyntaxError(`${what} at byte offset ${this.base + this.pos}`);
  }

  /**
   * Pulls more of the document: the bytes before `keep` (and before the mark) are let go
   * of and positions shift by as much (the buffer grows if nothing can go). Returns the
   * shift; `this.pull` is null once the document's end is reached.
   */
  private refill(keep: number): number {
    // The last string scanned stays readable (text() and textIs() come after a peek).
    let from = this.start > 0 ? Math.min(keep, this.start - 1) : keep;
    if (this.mark >= 0 && this.mark < from) from = this.mark;
    let b = this.buf;
    if (from > 0) b.copyWithin(0, from, this.len);
    else if (this.len === b.length) {
      b = Buffer.allocUnsafe(b.length * 2);
      this.buf.copy(b, 0, 0, this.len);
      this.buf = b;
    }
    this.len -= from;
    this.base += from;
    this.pos -= from;
    this.start -= from;
    this.end -= from;
    if (this.mark >= 0) this.mark -= from;
    const got = this.pull!(b, this.len, b.length - this.len);
    if (got === 0) this.pull = null;
    this.len += got;
    return from;
  }

  /** `p` after pulling until a byte stands there or the document ends (then p >= len). */
  private fill(p: number): number {
    while (p >= this.len && this.pull !== null) p -= this.refill(this.pos);
    return p;
  }

  /** The next byte after white space (-1 at the end), left unread. */
  peek(): number {
    const b = this.buf;
    let p = this.pos;
    while (p < this.len) {
      const c = b[p]!;
      if (c !== 32 && c !== 10 && c !== 13 && c !== 9) break;
      p++;
    }
    this.pos = p;
    if (this.pull !== null && this.len - p < LOOKAHEAD) return this.peekPulled();
    return p < this.len ? b[p]! : -1;
  }

  /** peek() where the buffered bytes run short: literals and escapes then fit. */
  private peekPulled(): number {
    while (this.pull !== null && this.len - this.pos < LOOKAHEAD) this.refill(this.pos);
    return this.peek();
  }

  /** Reads `c` (after white space) or fails. */
  expect(c: number): void {
    if (this.peek() !== c) this.error(`expected '${String.fromCharCode(c)}'`);
    this.pos++;
  }

  /**
   * Reads `open` ('{' or '['); true if a member or element follows, false if `close` did
   * (read too). Walk one as: `if (j.enter(123, 125)) do { ... } while (j.more(125));`
   */
  enter(open: number, close: number): boolean {
    this.expect(open);
    if (this.peek() !== close) return true;
    this.pos++;
    return false;
  }

  /** After a member or element: true for ',', false for `close`; else fails. */
  more(close: number): boolean {
    const c = this.peek();
    this.pos++;
    if (c === 44) return true;
    if (c === close) return false;
    this.pos--;
    return this.error(`expected ',' or '${String.fromCharCode(close)}'`);
  }

  /** Reads the literal null if it is next. */
  null(): boolean {
    if (this.peek() !== 110) return false;
    this.literal('null');
    return true;
  }

  /** Scans a string: sets start, end and flags; see text() for its value. */
  scanString(): void {
    if (this.peek() !== 34) this.error('expected a string');
    let b = this.buf;
    let n = this.len;
    let p = this.pos + 1;
    let flags = 0;
    for (;;) {
      if (p + 6 > n && this.pull !== null) {
        // An escape is up to 6 bytes: have them in the buffer before looking.
        p -= this.refill(this.pos);
        b = this.buf;
        n = this.len;
        continue;
      }
      // Plain ASCII runs (most of a store's keys and values) in a tight loop.
      while (p < n && STOP[b[p]!] === 0) p++;
      if (p + 6 > n && this.pull !== null) continue;
      if (p >= n) this.error('unterminated string');
      const c = b[p]!;
      if (c === 34) break;
      if (c === 92) {
        flags |= ESCAPED;
        p = this.escape(p);
      } else {
        if (c < 0x20) {
          this.pos = p;
          this.error('control character in string');
        }
        if (c >= 0x80) flags |= NON_ASCII;
        p++;
      }
    }
    this.start = this.pos + 1;
    this.end = p;
    this.flags = flags;
    this.pos = p + 1;
  }

  /** Checks the escape at `p` (a backslash); returns the position after it. */
  private escape(p: number): number {
    const b = this.buf;
    const n = this.len;
    const c = p + 1 < n ? b[p + 1] : -1;
    // " \ / b f n r t
    if (
      c === 34 ||
      c === 92 ||
      c === 47 ||
      c === 98 ||
      c === 102 ||
      c === 110 ||
      c === 114 ||
      c === 116
    )
      return p + 2;
    if (c === 117) {
      for (let i = p + 2; i < p + 6; i++) {
        const h = i < n ? b[i]! : -1;
        if (!((h >= 48 && h <= 57) || (h >= 65 && h <= 70) || (h >= 97 && h <= 102))) {
          this.pos = p;
          this.error('bad \\u escape');
        }
      }
      return p + 6;
    }
    this.pos = p;
    return this.error('bad escape');
  }

  /** The value of the string last scanned. */
  text(): string {
    const { buf, start, end, flags } = this;
    if (flags === 0) return buf.toString('latin1', start, end);
    if (flags === NON_ASCII) return buf.toString('utf8', start, end);
    try {
      return JSON.parse(buf.toString('utf8', start - 1, end + 1)) as string;
    } catch (e) {
      this.pos = start;
      return this.error(`bad string (${(e as Error).message})`);
    }
  }

  /** Whether the string last scanned is exactly `ascii` (given as its bytes). */
  textIs(ascii: Uint8Array): boolean {
    if (this.flags !== 0 || this.end - this.start !== ascii.length) return false;
    const b = this.buf;
    for (let i = 0, p = this.start; i < ascii.length; i++, p++) if (b[p] !== ascii[i]) return false;
    return true;
  }

  /** A string's value. */
  string(): string {
    this.scanString();
    return this.text();
  }

  /** A non-negative integer written in plain digits; -1 for any other number. */
  uint(): number {
    this.peek();
    this.numberInBuffer();
    const b = this.buf;
    let p = this.pos;
    let v = 0;
    let digits = 0;
    while (p < this.len) {
      const c = b[p]!;
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
      digits++;
      p++;
    }
    const c = p < this.len ? b[p]! : -1;
    if (digits === 0 || c === 46 || c === 101 || c === 69 || (digits > 1 && b[this.pos] === 48)) {
      this.skip();
      return -1;
    }
    this.pos = p;
    return Number.isSafeInteger(v) ? v : -1;
  }

  /** Skips one value of any kind, checking its syntax. */
  skip(): void {
    const c = this.peek();
    if (c === 34) this.scanString();
    else if (c === 123) {
      if (this.enter(123, 125))
        do {
          this.scanString();
          this.expect(58);
          this.skip();
        } while (this.more(125));
    } else if (c === 91) {
      if (this.enter(91, 93))
        do this.skip();
        while (this.more(93));
    } else if (c === 116) this.literal('true');
    else if (c === 102) this.literal('false');
    else if (c === 110) this.literal('null');
    else this.number();
  }

  /** The value that starts next, parsed by JSON.parse (for the small parts of a document). */
  parseValue(): unknown {
    this.peek();
    this.mark = this.pos;
    try {
      this.skip();
      return JSON.parse(this.buf.toString('utf8', this.mark, this.pos));
    } finally {
      this.mark = -1;
    }
  }

  /** Fails unless only white space is left. */
  finish(): void {
    if (this.peek() !== -1) this.error('unexpected data after the value');
  }

  private literal(word: string): void {
    // (Past `len` the buffer holds stale bytes: never compare those.)
    if (this.pos + word.length > this.len) this.error(`expected ${word}`);
    for (let i = 0; i < word.length; i++) {
      if (this.buf[this.pos + i] !== word.charCodeAt(i)) this.error(`expected ${word}`);
    }
    this.pos += word.length;
  }

  /** JSON's number grammar. */
  private number(): void {
    this.numberInBuffer();
    const b = this.buf;
    const n = this.len;
    let p = this.pos;
    const digits = (): number => {
      const s = p;
      while (p < n && b[p]! >= 48 && b[p]! <= 57) p++;
      return p - s;
    };
    const at = (i: number): number => (i < n ? b[i]! : -1);
    if (at(p) === 45) p++;
    const first = p;
    if (digits() === 0 || (b[first] === 48 && p - first > 1)) this.error('bad number');
    if (at(p) === 46) {
      p++;
      if (digits() === 0) this.error('bad number');
    }
    if (at(p) === 101 || at(p) === 69) {
      p++;
      if (at(p) === 43 || at(p) === 45) p++;
      if (digits() === 0) this.error('bad number');
    }
    this.pos = p;
  }

  /** With a source: pulls until the number token at `pos` ends inside the buffer. */
  private numberInBuffer(): void {
    if (this.pull === null) return;
    let p = this.pos;
    for (;;) {
      p = this.fill(p);
      if (p >= this.len) return;
      const c = this.buf[p]!;
      const numeric =
        (c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 101 || c === 69;
      if (!numeric) return;
      p++;
    }
  }
}

/** The bytes of an ASCII field name, for JsonBytes.textIs. */
export function asciiBytes(s: string): Uint8Array {
  return Buffer.from(s, 'latin1');
}
