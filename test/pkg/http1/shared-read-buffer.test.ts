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

/** Chunks as they arrive (`add`); `bytes(n)` resolves once they hold `n` bytes in all. */
function collector(): {
  chunks: Buffer[];
  add: (c: Buffer) => boolean;
  bytes: (n: number) => Promise<void>;
} {
  const chunks: Buffer[] = [];
  let total = 0;
  let waiter: { n: number; resolve: () => void } | null = null;
  return {
    chunks,
    add(c) {
      chunks.push(c);
      total += c.length;
      if (waiter !== null && total >= waiter.n) {
        waiter.resolve();
        waiter = null;
      }
      return true;
    },
    bytes: (n) =>
      total >= n
        ? Promise.resolve()
        : new Promise((resolve) => {
            waiter = { n, resolve };
          }),
  };
}

test('node 20 has what it needs: plain sockets read through the shared buffer', async () => {
  const { serverSide } = await pair();
  // Were this to fall back to 'data' on a node the project supports, reads would quietly
  // cost more garbage (16-31% of a GET's): fail instead, so the change is seen.
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
  const mine = collector();
  const theirs = collector();
  let dataEvents = 0;
  serverSide.on('data', () => dataEvents++);
  assert.ok(readIntoSharedBuffer(serverSide, mine.add));
  assert.ok(readIntoSharedBuffer(other.serverSide, theirs.add));
  client.write('first');
  await mine.bytes(5);
  // Another socket's read goes through the same buffer; the first chunk must not change.
  other.client.write('XXXXXXXX');
  await theirs.bytes(8);
  client.write('second');
  await mine.bytes(11);
  assert.equal(Buffer.concat(mine.chunks).toString(), 'firstsecond');
  assert.equal(mine.chunks[0]!.toString(), 'first');
  assert.equal(Buffer.concat(theirs.chunks).toString(), 'XXXXXXXX');
  assert.equal(dataEvents, 0);
  const ended = once(serverSide, 'end');
  client.end();
  await ended;
});

test('returning false stops reading; resume() starts it again', async () => {
  const { client, serverSide } = await pair();
  const got = collector();
  let accept = false;
  assert.ok(readIntoSharedBuffer(serverSide, (c) => got.add(c) && accept));
  client.write('one');
  await got.bytes(3);
  const readBefore = serverSide.bytesRead;
  // Reading stopped: this waits in the kernel until resume().
  client.write('two');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(serverSide.bytesRead, readBefore);
  assert.equal(got.chunks.length, 1);
  accept = true;
  serverSide.resume();
  await got.bytes(6);
  assert.equal(Buffer.concat(got.chunks).toString(), 'onetwo');
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
  const got = collector();
  serverSide.on('data', got.add);
  client.write('one');
  await got.bytes(3);
  client.end('two');
  await once(serverSide, 'end');
  assert.equal(Buffer.concat(got.chunks).toString(), 'onetwo');
});
