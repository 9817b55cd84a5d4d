// etcd 0.4's raft log (go-raft's `log` file): records of an 8-character space-padded hex
// length, a newline, then a protobuf LogEntry{1 Index, 2 Term, 3 CommandName, 4 Command}
// whose Command is the command's JSON. go-raft itself, on start, cuts a record it cannot
// decode off the end of the file; we read the same entries and report the cut (the 0.4
// file is never changed).
import { readFileSync } from 'node:fs';

export interface LogEntry4 {
  index: number;
  term: number;
  commandName: string;
  /** The command's JSON text (empty for raft:nop). */
  command: string;
}

export interface Log4 {
  entries: LogEntry4[];
  /** A record cut short at the end of the file (a crash mid-append), ignored as 0.4.9 does. */
  tornTail: { offset: number; bytes: number } | null;
}

export class Log4Error extends Error {
  constructor(file: string, offset: number, what: string) {
    super(`etcd 0.4 log ${file}: ${what} at offset ${offset}`);
    this.name = 'Log4Error';
  }
}

const HEADER = 9; // "%8x\n"

export function readLog4(file: string): Log4 {
  return decodeLog4(readFileSync(file), file);
}

export function decodeLog4(b: Buffer, file = 'log'): Log4 {
  const entries: LogEntry4[] = [];
  let p = 0;
  while (p < b.length) {
    const start = p;
    if (b.length - p < HEADER) return { entries, tornTail: { offset: start, bytes: b.length - p } };
    const head = b.toString('latin1', p, p + 8);
    if (b[p + 8] !== 0x0a || !/^ *[0-9a-f]+$/.test(head)) {
      throw new Log4Error(file, start, `bad record header ${JSON.stringify(head)}`);
    }
    const n = Number.parseInt(head.trim(), 16);
    p += HEADER;
    if (b.length - p < n) return { entries, tornTail: { offset: start, bytes: b.length - start } };
    let e: LogEntry4;
    try {
      e = decodeEntry(b.subarray(p, p + n));
    } catch (err) {
      throw new Log4Error(file, start, (err as Error).message);
    }
    const prev = entries[entries.length - 1];
    if (prev !== undefined && e.index !== prev.index + 1) {
      throw new Log4Error(file, start, `entry ${e.index} follows entry ${prev.index}`);
    }
    entries.push(e);
    p += n;
  }
  return { entries, tornTail: null };
}

function decodeEntry(m: Buffer): LogEntry4 {
  let i = 0;
  const varint = (): number => {
    let r = 0n;
    let s = 0n;
    for (;;) {
      if (i >= m.length) throw new Error('truncated protobuf varint');
      const c = m[i++]!;
      r |= BigInt(c & 0x7f) << s;
      if (c < 0x80) break;
      s += 7n;
      if (s > 63n) throw new Error('protobuf varint too long');
    }
    if (r > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('protobuf integer out of range');
    return Number(r);
  };
  let index = -1;
  let term = -1;
  let commandName: string | null = null;
  let command = '';
  while (i < m.length) {
    const key = varint();
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) {
      const v = varint();
      if (field === 1) index = v;
      else if (field === 2) term = v;
    } else if (wire === 2) {
      const len = varint();
      if (i + len > m.length) throw new Error('truncated protobuf field');
      const s = m.toString('utf8', i, i + len);
      i += len;
      if (field === 3) commandName = s;
      else if (field === 4) command = s;
    } else {
      throw new Error(`unexpected protobuf wire type ${wire}`);
    }
  }
  if (index < 0 || term < 0 || commandName === null) {
    throw new Error('log entry lacks Index, Term or CommandName');
  }
  return { index, term, commandName, command };
}

/** Encodes entries as go-raft writes them (tests build 0.4 logs with it). */
export function encodeLog4(entries: readonly LogEntry4[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.concat([
      field(1, e.index),
      field(2, e.term),
      bytesField(3, Buffer.from(e.commandName, 'utf8')),
      ...(e.command === '' ? [] : [bytesField(4, Buffer.from(e.command, 'utf8'))]),
    ]);
    parts.push(Buffer.from(`${body.length.toString(16).padStart(8, ' ')}\n`, 'latin1'), body);
  }
  return Buffer.concat(parts);
}

function uvarint(v: number): Buffer {
  const out: number[] = [];
  let x = BigInt(v);
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return Buffer.from(out);
}

function field(n: number, v: number): Buffer {
  return Buffer.concat([uvarint(n << 3), uvarint(v)]);
}

function bytesField(n: number, b: Buffer): Buffer {
  return Buffer.concat([uvarint((n << 3) | 2), uvarint(b.length), b]);
}
