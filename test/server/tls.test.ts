// Client TLS: an https client URL with --cert-file/--key-file, and with --ca-file client
// certificates are required (etcd 2.0's rule).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { test } from 'node:test';
import { reservePorts } from '../helpers/ports.js';
import { tempDir, waitFor } from '../helpers/process.js';
import { makeSelfSignedCert as makeCert, opensslSkip } from '../helpers/tls.js';
import { runEtcd } from './run-member.js';

function get(
  url: string,
  opts: { ca: Buffer; cert?: Buffer; key?: Buffer },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...opts, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('https client URL; with --ca-file a client certificate is required', {
  skip: opensslSkip(),
}, async () => {
  const tmp = tempDir('etcd-tls');
  const dir = tmp.path;
  const { cert, key } = makeCert(dir);
  const ca = readFileSync(cert);
  for (const withCa of [false, true]) {
    const [c, p] = await reservePorts(2);
    const url = `https://127.0.0.1:${c}`;
    const peer = `http://127.0.0.1:${p}`;
    const proc = runEtcd([
      '--data-dir',
      join(dir, `data-${withCa}`),
      '--listen-client-urls',
      url,
      '--advertise-client-urls',
      url,
      '--listen-peer-urls',
      peer,
      '--initial-advertise-peer-urls',
      peer,
      '--cert-file',
      cert,
      '--key-file',
      key,
      ...(withCa ? ['--ca-file', cert] : []),
    ]);
    const auth = { ca, cert: readFileSync(cert), key: readFileSync(key) };
    try {
      await waitFor(
        async () => (await get(`${url}/v2/keys/?quorum=true`, auth)).status === 200,
        'https',
      );
      const r = await get(`${url}/version`, withCa ? auth : { ca });
      assert.equal(r.status, 200);
      if (withCa) {
        await assert.rejects(get(`${url}/version`, { ca }), 'no client certificate');
      }
    } finally {
      await proc.stop('SIGKILL');
    }
  }
  tmp.remove();
});
