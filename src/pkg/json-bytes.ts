// A cursor over JSON text held as bytes, for documents too large to be one JS string (V8
// strings stop at ~512 MiB; a store snapshot of 1.3M 256-byte keys is past that) or to be
// parsed into a tree first. The caller walks the structure it expects and takes strings and
// numbers where they are; anything else can be skipped or handed to JSON.parse by range.
import { Buffer } from 'node:buffer';

export class JsonSyntaxError extends Error {}

/** Set in JsonBytes.flags by scanString: the string holds an escape. */
const ESCAPED = 1;
/** ...or a byte outside ASCII (decoded as UTF-8). */
const NON_ASCII = 2;

export class JsonBytes {
  pos = 0;
  /** The last string scanned: its content's byte range (no quotes) and what it holds. */
  private start = 0;
  private end = 0;
  private flags = 0;
  private readonly buf: Buffer;

  constructor(bytes: Uint8Array) {
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  error(what: string): never {
    throw new JsonSyntaxError(`${what} at byte offset ${this.pos}`);
  }

  /** The next byte after white space (-1 at the end), left unread. */
  peek(): number {
    const b = this.buf;
    let p = this.pos;
    while (p < b.length) {
      const c = b[p]!;
      if (c !== 32 && c !== 10 && c !== 13 && c !== 9) break;
      p++;
    }
    this.pos = p;
    return p < b.length ? b[p]! : -1;
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
    const b = this.buf;
    const n = b.length;
    let p = this.pos + 1;
    let flags = 0;
    for (;;) {
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
    const c = b[p + 1];
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
        const h = b[i] ?? -1;
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
    const b = this.buf;
    let p = this.pos;
    let v = 0;
    let digits = 0;
    while (p < b.length) {
      const c = b[p]!;
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
      digits++;
      p++;
    }
    const c = p < b.length ? b[p]! : -1;
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
    const from = this.pos;
    this.skip();
    return JSON.parse(this.buf.toString('utf8', from, this.pos));
  }

  /** Fails unless only white space is left. */
  finish(): void {
    if (this.peek() !== -1) this.error('unexpected data after the value');
  }

  private literal(word: string): void {
    for (let i = 0; i < word.length; i++) {
      if (this.buf[this.pos + i] !== word.charCodeAt(i)) this.error(`expected ${word}`);
    }
    this.pos += word.length;
  }

  /** JSON's number grammar. */
  private number(): void {
    const b = this.buf;
    let p = this.pos;
    const digits = (): number => {
      const s = p;
      while (p < b.length && b[p]! >= 48 && b[p]! <= 57) p++;
      return p - s;
    };
    if (b[p] === 45) p++;
    const first = p;
    if (digits() === 0 || (b[first] === 48 && p - first > 1)) this.error('bad number');
    if (b[p] === 46) {
      p++;
      if (digits() === 0) this.error('bad number');
    }
    if (b[p] === 101 || b[p] === 69) {
      p++;
      if (b[p] === 43 || b[p] === 45) p++;
      if (digits() === 0) this.error('bad number');
    }
    this.pos = p;
  }
}

/** The bytes of an ASCII field name, for JsonBytes.textIs. */
export function asciiBytes(s: string): Uint8Array {
  return Buffer.from(s, 'latin1');
}
