// The long-poll floor for `npm run bench:watch`: the least a server on one Node thread can
// do for the bench's watchers. It holds every watch request (answering its head at once,
// as etcd does), counts them at /v2/stats/store, and on a PUT under /v2/keys/watched writes
// one ready-made chunk that ends each held answer, all in one loop: no store, no HTTP layer,
// one `write` per watcher. Its time to the last delivery is what one thread cannot go below
// on this machine. Prints "listening <port>" once bound (port 0: the kernel's choice).
import { createServer, type Socket } from 'node:net';

const HEAD =
  'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Etcd-Index: 1\r\nTransfer-Encoding: chunked\r\n\r\n';

function answer(s: Socket, status: string, body: string): void {
  s.write(`HTTP/1.1 ${status}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

const held = new Set<Socket>();
const server = createServer((s) => {
  s.setNoDelay(true);
  s.on('error', () => s.destroy());
  s.on('close', () => held.delete(s));
  s.on('data', (d: Buffer) => {
    const text = d.toString('latin1');
    if (text.startsWith('GET /v2/keys/watched')) {
      s.write(HEAD);
      held.add(s);
    } else if (text.startsWith('GET /v2/stats/store')) {
      answer(s, '200 OK', `{"watchers":${held.size}}`);
    } else if (text.startsWith('PUT /v2/keys/watched')) {
      const at = text.indexOf('value=');
      const value = at < 0 ? '' : text.slice(at + 6);
      const ev = `{"action":"set","node":{"key":"/watched/k","value":${JSON.stringify(value)},"modifiedIndex":2,"createdIndex":2}}`;
      answer(s, '201 Created', ev);
      const last = `${(ev.length + 1).toString(16)}\r\n${ev}\n\r\n0\r\n\r\n`;
      for (const w of held) w.write(last);
      held.clear();
    } else answer(s, '404 Not Found', '');
  });
});
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  if (addr !== null && typeof addr === 'object') console.log(`listening ${addr.port}`);
});
