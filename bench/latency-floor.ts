// The latency floor for `npm run bench:latency`: the least a server on one Node thread can
// do for the bench's loads while keeping a member's duties. A PUT is durable before it is
// answered: its record is written through an O_DSYNC descriptor, those that arrived in the
// same loop turn together (group commit). Its key keeps the new node, and the last 1,000
// changes are kept as events, as a v2 store must. A GET answers the key's node, its JSON
// made once per change. No raft, no checks, an HTTP layer that only finds where a request
// ends, form values taken as they come (the bench's need no decoding). The log is a
// zero-filled, synced file in the directory given, written again from its start when full
// and never read back. Prints "listening <port>" once bound (port 0: the kernel's choice).
import { closeSync, constants, fsyncSync, openSync, writeSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';

const LOG_BYTES = 16 * 1024 * 1024;
const HISTORY = 1000;
const KEYS = '/v2/keys';

interface FloorNode {
  key: string;
  value: string;
  modifiedIndex: number;
  createdIndex: number;
  /** Its JSON, made on first need; a change makes a new node. */
  json: string | null;
}

interface Pending {
  socket: Socket;
  key: string;
  value: string;
}

const nodes = new Map<string, FloorNode>();
const history: { action: string; node: FloorNode; prevNode: FloorNode | null }[] = [];
let historyAt = 0;
let index = 1;

function openLog(dir: string): number {
  const file = join(dir, 'floor.log');
  const zeros = Buffer.alloc(1024 * 1024);
  const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC);
  for (let at = 0; at < LOG_BYTES; at += zeros.length) writeSync(fd, zeros, 0, zeros.length, at);
  fsyncSync(fd);
  closeSync(fd);
  return openSync(file, constants.O_WRONLY | constants.O_DSYNC);
}

const log = openLog(process.argv[2] ?? '.');
let logAt = 0;

let date = '';
let dateAt = 0;
function head(status: string, bodyBytes: number): string {
  const now = Date.now();
  if (now - dateAt >= 1000) {
    date = new Date(now).toUTCString();
    dateAt = now - (now % 1000);
  }
  return (
    `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nX-Etcd-Index: ${index}\r\n` +
    `X-Raft-Index: ${index + 1}\r\nX-Raft-Term: 2\r\nDate: ${date}\r\n` +
    `Content-Length: ${bodyBytes}\r\n\r\n`
  );
}

function nodeJSON(n: FloorNode): string {
  n.json ??=
    `{"key":${JSON.stringify(n.key)},"value":${JSON.stringify(n.value)},` +
    `"modifiedIndex":${n.modifiedIndex},"createdIndex":${n.createdIndex}}`;
  return n.json;
}

function answer(s: Socket, status: string, body: string): void {
  s.write(head(status, Buffer.byteLength(body)) + body);
}

let batch: Pending[] = [];

/** Writes the turn's PUTs in one synced write, then applies and answers each. */
function commit(): void {
  const done = batch;
  batch = [];
  let text = '';
  for (const p of done) text += `${JSON.stringify({ key: p.key, value: p.value })}\n`;
  const bytes = Buffer.from(text);
  if (logAt + bytes.length > LOG_BYTES) logAt = 0;
  writeSync(log, bytes, 0, bytes.length, logAt);
  logAt += bytes.length;
  for (const p of done) {
    const prev = nodes.get(p.key) ?? null;
    index++;
    const node = {
      key: p.key,
      value: p.value,
      modifiedIndex: index,
      createdIndex: prev === null ? index : prev.createdIndex,
      json: null,
    };
    nodes.set(p.key, node);
    history[historyAt] = { action: 'set', node, prevNode: prev };
    historyAt = (historyAt + 1) % HISTORY;
    const prevJSON = prev === null ? '' : `,"prevNode":${nodeJSON(prev)}`;
    const body = `{"action":"set","node":${nodeJSON(node)}${prevJSON}}`;
    answer(p.socket, prev === null ? '201 Created' : '200 OK', body);
  }
}

function serve(s: Socket, method: string, path: string, body: string): void {
  const key = path.startsWith(KEYS) ? path.slice(KEYS.length) : path;
  if (method === 'PUT') {
    const value = body.startsWith('value=') ? body.slice(6) : body;
    if (batch.length === 0) setImmediate(commit);
    batch.push({ socket: s, key, value });
    return;
  }
  const n = method === 'GET' ? nodes.get(key) : undefined;
  if (n === undefined) answer(s, '404 Not Found', '{"errorCode":100}');
  else answer(s, '200 OK', `{"action":"get","node":${nodeJSON(n)}}`);
}

const LENGTH = /\r\ncontent-length: *(\d+)/i;

const server = createServer((s) => {
  s.setNoDelay(true);
  s.on('error', () => s.destroy());
  let pending = '';
  s.on('data', (d: Buffer) => {
    pending += d.toString('latin1');
    for (;;) {
      const end = pending.indexOf('\r\n\r\n');
      if (end < 0) return;
      const m = LENGTH.exec(pending.slice(0, end));
      const bodyAt = end + 4;
      const length = m === null ? 0 : Number(m[1]);
      if (pending.length < bodyAt + length) return;
      const sp = pending.indexOf(' ');
      const method = pending.slice(0, sp);
      const path = pending.slice(sp + 1, pending.indexOf(' ', sp + 1));
      serve(s, method, path, pending.slice(bodyAt, bodyAt + length));
      pending = pending.slice(bodyAt + length);
    }
  });
});
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  if (addr !== null && typeof addr === 'object') console.log(`listening ${addr.port}`);
});
