// Broken HTTP on the client port, one test per case: the raw bytes ours answers equal Go
// etcd 2.0.13's (asked in the same test) unless said otherwise, nothing acknowledged is
// lost, and hundreds of clients holding half-sent headers do not stop others being served.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type ReferenceMember, referenceSkip, startReference } from '../helpers/reference.js';
import { type OurMember, type RawAnswer, raw, startOurs, writesWithinASecond } from './harness.js';

const TLS_CLIENT_HELLO = Buffer.from(
  `16030100a5010000a10303${'00'.repeat(32)}000020c02bc02fc02cc030cca9cca8c009c013c00ac014009c009d002f0035c012000a0100005800000014001200000f7777772e6578616d706c652e636f6d`,
  'hex',
);
const FORM = 'Content-Type: application/x-www-form-urlencoded\r\n';

interface Case {
  name: string;
  bytes: string | Buffer;
  halfClose?: boolean;
  /** Compare the status lines only (the body carries index numbers). */
  statusOnly?: boolean;
  /** Ours differs from 2.0.13 on purpose: our expected status line and why. */
  ours?: { statusLine: string; why: string };
}

const CASES: Case[] = [
  {
    name: 'header flood: 2000 headers (60 KB) are served',
    statusOnly: true,
    bytes: `GET /v2/keys/ HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 2000 }, (_, i) => `X-H${i}: ${'v'.repeat(20)}\r\n`).join('')}Connection: close\r\n\r\n`,
  },
  {
    name: 'header flood: one header past 1 MiB gets 431',
    bytes: `GET /v2/keys/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'v'.repeat(1100 * 1024)}\r\nConnection: close\r\n\r\n`,
  },
  {
    name: 'two Content-Lengths',
    bytes: `PUT /v2/keys/bc HTTP/1.1\r\nHost: x\r\n${FORM}Content-Length: 7\r\nContent-Length: 8\r\nConnection: close\r\n\r\nvalue=1`,
  },
  {
    name: 'negative Content-Length',
    bytes: 'PUT /v2/keys/bc HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\nConnection: close\r\n\r\n',
  },
  { name: 'garbage request line', bytes: 'HELLO\r\n\r\n' },
  {
    name: 'header line without a colon',
    bytes: 'GET /v2/keys/ HTTP/1.1\r\nHost: x\r\nBad Header\r\nConnection: close\r\n\r\n',
  },
  { name: 'HTTP/1.1 without Host', bytes: 'GET /v2/keys/ HTTP/1.1\r\nConnection: close\r\n\r\n' },
  { name: 'a TLS hello on the plain port', bytes: TLS_CLIENT_HELLO },
  {
    name: 'short body, then the client closes',
    bytes: `PUT /v2/keys/sb HTTP/1.1\r\nHost: x\r\n${FORM}Content-Length: 100\r\nConnection: close\r\n\r\nvalue=1`,
    halfClose: true,
  },
  {
    name: 'bad chunk size',
    bytes: `PUT /v2/keys/bc HTTP/1.1\r\nHost: x\r\n${FORM}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\nvalue=1\r\n0\r\n\r\n`,
  },
  {
    name: 'chunk shorter than announced',
    bytes: `PUT /v2/keys/bc HTTP/1.1\r\nHost: x\r\n${FORM}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n10\r\nvalue=1\r\n0\r\n\r\n`,
    halfClose: true,
  },
  {
    name: 'Content-Length and chunked together',
    bytes: `PUT /v2/keys/bc HTTP/1.1\r\nHost: x\r\n${FORM}Content-Length: 7\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n7\r\nvalue=1\r\n0\r\n\r\n`,
    ours: {
      statusLine: 'HTTP/1.1 400 Bad Request',
      why: 'both framings at once is how requests are smuggled past proxies; Node refuses it (2.0.13 takes the chunks)',
    },
  },
];

function statusLine(a: RawAnswer): string {
  return a.text.split('\r\n')[0] ?? '';
}

describe('broken HTTP on the client port', { skip: referenceSkip() }, () => {
  let ours: OurMember;
  let ref: ReferenceMember;
  before(async () => {
    [ours, ref] = await Promise.all([startOurs('h'), startReference('h')]);
    for (const url of [ours.url, ref.clientUrl]) {
      const r = await fetch(`${url}/v2/keys/acked`, {
        method: 'PUT',
        body: new URLSearchParams({ value: 'kept' }),
      });
      await r.arrayBuffer();
      assert.equal(r.status, 201);
    }
  });
  after(async () => {
    await Promise.all([ours?.close(), ref?.stop()]);
  });

  for (const c of CASES) {
    test(c.name, async () => {
      const a = await raw(ours.url, c.bytes, { halfClose: c.halfClose });
      const b = await raw(ref.clientUrl, c.bytes, { halfClose: c.halfClose });
      if (c.ours) {
        assert.equal(statusLine(a), c.ours.statusLine, c.ours.why);
        assert.ok(b.status >= 200, `2.0.13 answered: ${b.text.slice(0, 200)}`);
      } else if (c.statusOnly) {
        assert.equal(statusLine(a), statusLine(b));
      } else {
        assert.equal(a.text, b.text);
      }
      assert.ok(a.status > 0, `ours answered nothing (${a.error})`);
      for (const url of [ours.url, ref.clientUrl]) {
        const r = (await (await fetch(`${url}/v2/keys/acked`)).json()) as {
          node?: { value?: string };
        };
        assert.equal(r.node?.value, 'kept');
      }
    });
  }

  test('300 clients holding half-sent headers: others are still served within a second', async () => {
    const held: Socket[] = [];
    const u = new URL(ours.url);
    try {
      await Promise.all(
        Array.from(
          { length: 300 },
          () =>
            new Promise<void>((resolve, reject) => {
              const s = connect(Number(u.port), u.hostname);
              s.on('error', () => {});
              s.once('connect', () => {
                s.write('PUT /v2/keys/slow HTTP/1.1\r\nHost: x\r\nX-Slow: ');
                resolve();
              });
              s.once('close', () => reject(new Error('a slow client was dropped at once')));
              held.push(s);
            }),
        ),
      );
      await writesWithinASecond(ours.url, '/while-slow');
      await writesWithinASecond(ours.url, '/while-slow');
      assert.ok(held.every((s) => !s.destroyed));
    } finally {
      for (const s of held) s.destroy();
    }
  });

  test('afterwards: both still take a write within a second', async () => {
    await writesWithinASecond(ours.url);
    await writesWithinASecond(ref.clientUrl);
  });
});
