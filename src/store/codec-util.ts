// A tiny binary writer/reader: unsigned varints (up to 2^53), float64, UTF-8 strings.
import { Buffer } from 'node:buffer';

export class Writer {
  buf: Buffer;
  pos = 0;

  constructor(size = 1024) {
    this.buf = Buffer.allocUnsafe(size);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const b = Buffer.allocUnsafe(size);
    this.buf.copy(b, 0, 0, this.pos);
    this.buf = b;
  }

  byte(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  uint(v: number): void {
    this.ensure(10);
    const b = this.buf;
    while (v >= 0x80) {
      b[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    b[this.pos++] = v;
  }

  /** Signed integers as zigzag varints. */
  int(v: number): void {
    this.uint(v < 0 ? -2 * v - 1 : 2 * v);
  }

  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** Strings: varint (byteLength * 2 + ascii flag), then the bytes. ASCII is copied by hand. */
  str(s: string): void {
    const n = s.length;
    if (n < 8192) {
      // ASCII is copied by hand behind a 1- or 2-byte header; else fall through.
      const hdr = n < 64 ? 1 : 2;
      this.ensure(hdr + n);
      const b = this.buf;
      let p = this.pos + hdr;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[p++] = c;
      }
      if (i === n) {
        const h = n * 2 + 1;
        if (hdr === 1) b[this.pos] = h;
        else {
          b[this.pos] = (h & 0x7f) | 0x80;
          b[this.pos + 1] = h >> 7;
        }
        this.pos = p;
        return;
      }
    }
    const len = Buffer.byteLength(s, 'utf8');
    const ascii = len === n;
    this.uint(len * 2 + (ascii ? 1 : 0));
    this.ensure(len);
    if (ascii) this.buf.write(s, this.pos, len, 'latin1');
    else this.buf.write(s, this.pos, 'utf8');
    this.pos += len;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

export class Reader {
  private readonly buf: Buffer;
  pos = 0;

  constructor(b: Uint8Array) {
    this.buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error(`truncated data at offset ${this.pos}`);
  }

  byte(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  uint(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = this.byte();
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 0x80;
      if (mul > 2 ** 56) throw new Error(`bad varint at offset ${this.pos}`);
    }
  }

  int(): number {
    const z = this.uint();
    return z % 2 === 1 ? -(z + 1) / 2 : z / 2;
  }

  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  str(): string {
    const h = this.uint();
    const n = Math.floor(h / 2);
    this.need(n);
    const s =
      h % 2 === 1
        ? this.buf.toString('latin1', this.pos, this.pos + n)
        : this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  done(): boolean {
    return this.pos === this.buf.length;
  }
}
