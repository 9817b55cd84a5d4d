// Our proxy and the reference's (`etcd --proxy readonly`) in front of the same reference
// member: the same answers to reads and to refused writes.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { Logger } from '../../src/pkg/logger.js';
import { type RunningProxy, startProxy } from '../../src/proxy/proxy.js';
import { reservePorts } from '../helpers/ports.js';
import { type Started, start, tempDir, waitFor } from '../helpers/process.js';
import {
  REFERENCE_ETCD,
  type ReferenceMember,
  referenceSkip,
  startReference,
} from '../helpers/reference.js';

const NO_TLS = { certFile: '', keyFile: '', caFile: '' };
const skip = referenceSkip();

/**
 * One request on a connection of its own (no keep-alive pool: a connection one proxy
 * closes after an answer is never picked up again for the next request, which made a
 * read fail with "fetch failed" once), and what the test compares of its answer.
 */
function answer(url: string, method: string) {
  const body = method !== 'GET' && method !== 'HEAD' ? 'value=v' : null;
  return new Promise<{ status: number; body: string; length: string | null; type: string | null }>(
    (resolve, reject) => {
      const req = request(
        url,
        {
          method,
          agent: false,
          headers: body === null ? {} : { 'Content-Type': 'application/x-www-form-urlencoded' },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            text += d;
          });
          res.on('error', reject);
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: text,
              length: res.headers['content-length'] ?? null,
              type: res.headers['content-type'] ?? null,
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(body ?? undefined);
    },
  );
}

describe('readonly proxy: ours and the reference', { skip }, () => {
  let member: ReferenceMember;
  let refProxy: Started;
  let refUrl: string;
  let ours: RunningProxy;
  let ourUrl: string;
  const dirs: { path: string; remove(): void }[] = [];

  before(async () => {
    member = await startReference('m');
    const [rp, op] = await reservePorts(2);
    const rdir = tempDir('ref-proxy');
    const odir = tempDir('our-proxy');
    dirs.push(rdir, odir);
    refUrl = `http://127.0.0.1:${rp}`;
    refProxy = start(REFERENCE_ETCD, [
      '--proxy',
      'readonly',
      '--data-dir',
      rdir.path,
      '--listen-client-urls',
      refUrl,
      '--initial-cluster',
      `m=${member.peerUrl}`,
    ]);
    await waitFor(async () => (await fetch(`${refUrl}/v2/keys/`)).status === 200, 'ref proxy');
    ours = await startProxy(
      {
        name: 'p',
        dataDir: odir.path,
        listenClientUrls: [`http://127.0.0.1:${op}`],
        initialCluster: `m=${member.peerUrl}`,
        initialClusterToken: 'etcd-cluster',
        discovery: '',
        discoveryProxy: '',
        discoverySrv: '',
        proxy: 'readonly',
        clientTls: NO_TLS,
        peerTls: NO_TLS,
        cors: [],
      },
      { logger: new Logger(() => {}) },
    );
    ourUrl = `http://127.0.0.1:${op}`;
    await fetch(`${member.clientUrl}/v2/keys/d/k`, {
      method: 'PUT',
      body: new URLSearchParams({ value: 'v' }),
    });
  });

  after(async () => {
    await ours?.close();
    await refProxy?.stop('SIGTERM');
    await member?.stop();
    for (const d of dirs) d.remove();
  });

  test('writes: 501, same status, body and length', async () => {
    for (const method of ['PUT', 'POST', 'DELETE', 'HEAD']) {
      const want = await answer(`${refUrl}/v2/keys/d/k`, method);
      const got = await answer(`${ourUrl}/v2/keys/d/k`, method);
      assert.equal(want.status, 501, method);
      assert.deepEqual(got, want, method);
    }
  });

  test('reads: the member answer, through both proxies alike', async () => {
    for (const path of ['/v2/keys/d/k', '/v2/keys/d?recursive=true', '/v2/keys/nope', '/version']) {
      const want = await answer(`${refUrl}${path}`, 'GET');
      const got = await answer(`${ourUrl}${path}`, 'GET');
      assert.deepEqual(got, want, path);
    }
  });
});
