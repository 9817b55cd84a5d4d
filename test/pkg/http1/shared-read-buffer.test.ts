// readIntoSharedBuffer on accepted sockets: every read arrives as a copy of its own (the
// shared buffer is overwritten by the next read, of this socket or another), no 'data'
// event is emitted, a false return stops reading until resume(), the end and close still
// come, and a socket it cannot serve this way (TLS) is left to 'data'.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { after, afterEach, before, test } from 'node:test';
import { readIntoSharedBuffer } from '../../../src/pkg/http1/shared-read-buffer.js';

let server: Server;
let port = 0;
const accepted: Socket[] = [];
let onAccept: () => void = () => {};

before(async () => {
  server = createServer((s) => {
    accepted.push(s);
    onAccept();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as { port: number }).port;
});

const clients: Socket[] = [];
// Whatever a test left open (a failed assertion included), so the server can close.
afterEach(() => {
  for (const s of [...clients.splice(0), ...accepted.splice(0)]) s.destroy();
});

after(() => {
  server.close();
});

/** A client connected to the server, and the server's side of it. */
async function pair(): Promise<{ client: Socket; serverSide: Socket }> {
  const got = new Promise<void>((r) => {
    onAccept = r;
  });
  const client = connect(port, '127.0.0.1');
  clients.push(client);
  await Promise.all([once(client, 'connect'), got]);
  return { client, serverSide: accepted.at(-1)! };
}

/** Resolves once `chunks` holds `n` bytes in all. */
function bytesIn(chunks: Buffer[], n: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (chunks.reduce((a, c) => a + c.length, 0) >= n) resolve();
      else setImmediate(check);
    };
    check();
  });
}

test('node 20 has what it needs: plain sockets read through the shared buffer', async () => {
  const { serverSide } = await pair();
  // Were this to fall back to 'data' on a node the project supports, reads would quietly
  // cost a third more garbage: fail instead, so the change is seen.
  assert.equal(
    readIntoSharedBuffer(serverSide, () => true),
    true,
  );
  // A second call would replace the first's callback: it is refused.
  assert.equal(
    readIntoSharedBuffer(serverSide, () => true),
    false,
  );
});

test('each read is a copy of its own, no data event fires, and the end still comes', async () => {
  const { client, serverSide } = await pair();
  const other = await pair();
  const chunks: Buffer[] = [];
  const otherChunks: Buffer[] = [];
  let dataEvents = 0;
  serverSide.on('data', () => dataEvents++);
  assert.ok(readIntoSharedBuffer(serverSide, (c) => chunks.push(c) > 0));
  assert.ok(readIntoSharedBuffer(other.serverSide, (c) => otherChunks.push(c) > 0));
  client.write('first');
  await bytesIn(chunks, 5);
  // Another socket's read goes through the same buffer; the first chunk must not change.
  other.client.write('XXXXXXXX');
  await bytesIn(otherChunks, 8);
  client.write('second');
  await bytesIn(chunks, 11);
  assert.equal(Buffer.concat(chunks).toString(), 'firstsecond');
  assert.equal(chunks[0]!.toString(), 'first');
  assert.equal(Buffer.concat(otherChunks).toString(), 'XXXXXXXX');
  assert.equal(dataEvents, 0);
  const ended = once(serverSide, 'end');
  client.end();
  await ended;
});

test('returning false stops reading; resume() starts it again', async () => {
  const { client, serverSide } = await pair();
  const chunks: Buffer[] = [];
  let accept = false;
  assert.ok(
    readIntoSharedBuffer(serverSide, (c) => {
      chunks.push(c);
      return accept;
    }),
  );
  client.write('one');
  await bytesIn(chunks, 3);
  const readBefore = serverSide.bytesRead;
  // Reading stopped: this waits in the kernel until resume().
  client.write('two');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(serverSide.bytesRead, readBefore);
  assert.equal(chunks.length, 1);
  accept = true;
  serverSide.resume();
  await bytesIn(chunks, 6);
  assert.equal(Buffer.concat(chunks).toString(), 'onetwo');
});

test('a socket without a plain TCP handle (TLS, a bare stream) is left to data events', () => {
  const bare = new Duplex({
    read() {},
    write(_c, _e, cb) {
      cb();
    },
  });
  assert.equal(
    readIntoSharedBuffer(bare as unknown as Socket, () => true),
    false,
  );
  const tlsLike = Object.assign(new Duplex({ read() {} }), { encrypted: true });
  assert.equal(
    readIntoSharedBuffer(tlsLike as unknown as Socket, () => true),
    false,
  );
});

test("a callback that pushes its chunks gives them to the stream's own readers", async () => {
  // As FastConnection does once it has handed the socket to node:http, whose parser then
  // takes its bytes from the stream (or, consuming the handle, from the handle itself).
  const { client, serverSide } = await pair();
  assert.ok(readIntoSharedBuffer(serverSide, (c) => serverSide.push(c)));
  const got: Buffer[] = [];
  serverSide.on('data', (d: Buffer) => got.push(d));
  client.write('one');
  await bytesIn(got, 3);
  client.end('two');
  await once(serverSide, 'end');
  assert.equal(Buffer.concat(got).toString(), 'onetwo');
});
