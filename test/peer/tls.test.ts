import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { tempDir } from '../helpers/process.js';
import { makeSelfSignedCert, opensslSkip } from '../helpers/tls.js';
import { MessageType } from '../../src/raft/types.js';
import { type ServerTls, TestNode, allConnected, app, heartbeat, stopAll } from './harness.js';

const A = 'a1';
const B = 'b2';

/** A throwaway self-signed certificate for 127.0.0.1, usable by servers and clients. */
function selfSigned(): { cert: Buffer; key: Buffer } {
  const dir = tempDir('peer-tls');
  try {
    const { cert, key } = makeSelfSignedCert(dir.path);
    return { cert: readFileSync(cert), key: readFileSync(key) };
  } finally {
    dir.remove();
  }
}

test('peers talk over TLS with client certificate authentication', {
  skip: opensslSkip(),
}, async () => {
  const { cert, key } = selfSigned();
  const serverTls: ServerTls = { cert, key, ca: cert, requestCert: true, rejectUnauthorized: true };
  const clientTls = { cert, key, ca: cert };
  const a = await new TestNode(A, { serverTls, clientTls }).start();
  const b = await new TestNode(B, { serverTls, clientTls }).start();
  // A member without a client certificate: its dials are refused in the handshake.
  const c = await new TestNode('c3', { serverTls, clientTls: { ca: cert } }).start();
  try {
    assert.ok(a.url.startsWith('https://'));
    a.transport.addPeer(B, [b.url]);
    b.transport.addPeer(A, [a.url]);
    await allConnected([a, b]);
    for (let i = 0; i < 500; i++) a.transport.send([app(A, B, i, 2)]);
    b.transport.send([heartbeat(B, A, 9)]);
    await b.until(() => b.received.length === 500, '500 appends over TLS');
    assert.deepEqual(
      b.received.map((m) => m.index),
      Array.from({ length: 500 }, (_, i) => i),
    );
    await a.until(() => a.received.length === 1, 'heartbeat over TLS');
    assert.equal(a.received[0]!.type, MessageType.Heartbeat);

    c.transport.addPeer(A, [a.url]);
    a.transport.addPeer('c3', [c.url]);
    c.transport.send([heartbeat('c3', A)]);
    await c.until(() => c.unreachable.includes(A), 'the certificate-less member refused');
    assert.equal(a.received.length, 1, 'nothing from the member without a certificate');
  } finally {
    await stopAll([a, b, c]);
  }
});
