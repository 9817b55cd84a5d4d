// etcd 0.4's raft log (go-raft's `log` file): records of an 8-character space-padded hex
// length, a newline, then a protobuf LogEntry{1 Index, 2 Term, 3 CommandName, 4 Command}
// whose Command is the command's JSON. go-raft itself, on start, cuts a record it cannot
// decode off the end of the file; we read the same entries and report the cut (the 0.4
// file is never changed).
import { readFileSync } from 'node:fs';
import { ProtoReader, ProtoWriter } from '../pkg/protobuf.js';

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
  override name = 'Log4Error';
  constructor(file: string, offset: number, what: string) {
    super(`etcd 0.4 log ${file}: ${what} at offset ${offset}`);
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

function decodeEntry(m: Uint8Array): LogEntry4 {
  const rd = new ProtoReader(m);
  let index = -1;
  let term = -1;
  let commandName: string | null = null;
  let command = '';
  while (!rd.done) {
    const tag = rd.tag();
    if (tag === 0x08) index = rd.varint();
    else if (tag === 0x10) term = rd.varint();
    else if (tag === 0x1a) commandName = rd.string();
    else if (tag === 0x22) command = rd.string();
    else rd.skipUnknown(tag, 4);
  }
  if (index < 0 || term < 0 || commandName === null) {
    throw new Error('log entry lacks Index, Term or CommandName');
  }
  return { index, term, commandName, command };
}

/** Encodes entries as go-raft writes them (tests build 0.4 logs with it). */
export function encodeLog4(entries: readonly LogEntry4[]): Buffer {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const w = new ProtoWriter();
    w.key(0x08).varint(e.index);
    w.key(0x10).varint(e.term);
    w.key(0x1a).string(e.commandName);
    if (e.command !== '') w.key(0x22).string(e.command);
    const body = w.view();
    parts.push(Buffer.from(`${body.length.toString(16).padStart(8, ' ')}\n`, 'latin1'), body);
  }
  return Buffer.concat(parts);
}
