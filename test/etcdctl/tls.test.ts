import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '../../src/client/index.js';
import { reservePorts } from '../helpers/ports.js';
import { type Started, start, tempDir, waitFor } from '../helpers/process.js';
import { REFERENCE_ETCD, referenceSkip } from '../helpers/reference.js';
import { makeSelfSignedCert, opensslSkip } from '../helpers/tls.js';
import { compareSteps, inParallel, type Step } from './scenario.js';
import { readFileSync } from 'node:fs';

const skip = referenceSkip() || opensslSkip();

describe('etcdctl TLS flags match the reference etcdctl', { skip }, () => {
  const dir = tempDir('ctl-tls');
  const cert = join(dir.path, 'cert.pem');
  const key = join(dir.path, 'key.pem');
  let proc: Started;
  let url: string;
  before(async () => {
    makeSelfSignedCert(dir.path);
    const [cp, pp] = await reservePorts(2);
    url = `https://127.0.0.1:${cp}`;
    const peer = `http://127.0.0.1:${pp}`;
    proc = start(REFERENCE_ETCD, [
      '--name',
      'tls',
      '--data-dir',
      join(dir.path, 'data'),
      '--listen-client-urls',
      url,
      '--advertise-client-urls',
      url,
      '--listen-peer-urls',
      peer,
      '--initial-advertise-peer-urls',
      peer,
      '--initial-cluster',
      `tls=${peer}`,
      '--cert-file',
      cert,
      '--key-file',
      key,
      // 2.0.13: --ca-file turns on client certificate checks (no --client-cert-auth yet).
      '--ca-file',
      cert,
    ]);
    const c = new Client({
      endpoints: [url],
      tls: { ca: readFileSync(cert), cert: readFileSync(cert), key: readFileSync(key) },
    });
    try {
      await waitFor(async () => (await c.get('/')).action === 'get', 'the TLS reference to serve');
    } finally {
      c.close();
    }
  });
  after(async () => {
    await proc?.stop();
    dir.remove();
  });

  test('certificates from flags and from ETCDCTL_* variables; TLS failures', async () => {
    const tls = ['--ca-file', cert, '--cert-file', cert, '--key-file', key];
    await compareSteps(
      ['--peers', url],
      [
        { args: [...tls, 'set', '@/t', 'secure'] },
        { args: [...tls, '-o', 'json', 'get', '@/t'] },
        {
          args: ['get', '@/t'],
          opts: { env: { ETCDCTL_CA_FILE: cert, ETCDCTL_CERT_FILE: cert, ETCDCTL_KEY_FILE: key } },
        },
        { args: [...tls, 'member', 'list'] },
        { args: [...tls, 'cluster-health'] },
      ],
    );
    const failures: Step[] = [
      { args: ['--peers', url, '--ca-file', cert, 'get', '@/t'] },
      { args: ['--peers', url, 'get', '@/t'] },
      {
        args: ['--peers', url, '--no-sync', '--cert-file', cert, '--key-file', key, 'get', '@/t'],
      },
      { args: ['--peers', url, '--cert-file', cert, 'get', '@/t'] },
      { args: ['--peers', url, 'get', '@/t'], opts: { env: { ETCDCTL_KEY_FILE: key } } },
    ];
    await inParallel(failures, 3, (s) => compareSteps([], [s]).then(() => undefined));
  });
});
