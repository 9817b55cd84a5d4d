// URL lists, legacy addresses, host name resolution, log lines and TLS options.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatLine, Logger, LogLevel } from '../../src/pkg/logger.js';
import {
  clientTlsOptions,
  serverTlsOptions,
  tlsInfoEmpty,
  tlsInfoString,
} from '../../src/pkg/tls.js';
import {
  parseIpAddressPort,
  parseUrlList,
  resolveUrls,
  splitHostPort,
  urlStringsEqual,
} from '../../src/pkg/urls.js';
import { tempDir } from '../helpers/process.js';

describe('url lists', () => {
  it('trimmed, validated, sorted, scheme lower-cased', () => {
    assert.deepEqual(parseUrlList(' http://b:2 ,HTTPS://a:1'), ['http://b:2', 'https://a:1']);
    assert.deepEqual(parseUrlList('http://[::1]:2379'), ['http://[::1]:2379']);
    assert.deepEqual(parseUrlList('http://10.0.0.2:1,http://10.0.0.1:1'), [
      'http://10.0.0.1:1',
      'http://10.0.0.2:1',
    ]);
  });

  it("errors as etcd's", () => {
    const bad: [string, string][] = [
      ['localhost:2379', 'URL scheme must be http or https: localhost:2379'],
      ['unix://x:1', 'URL scheme must be http or https: unix://x:1'],
      ['http://a', 'URL address does not have the form "host:port": http://a'],
      ['http://a:1/', 'URL must not contain a path: http://a:1/'],
      ['http://a:1,', 'URL scheme must be http or https: '],
      ['http://a:x', 'parse "http://a:x": invalid port ":x" after host'],
    ];
    for (const [input, msg] of bad)
      assert.throws(() => parseUrlList(input), { message: msg }, input);
  });

  it('splitHostPort and legacy ip:port', () => {
    assert.deepEqual(splitHostPort('[::1]:80'), { host: '::1', port: '80' });
    assert.throws(() => splitHostPort('a:b:c'), {
      message: 'address a:b:c: too many colons in address',
    });
    assert.deepEqual(parseIpAddressPort(' 127.0.0.1:4001 '), { ip: '127.0.0.1', port: 4001 });
    assert.deepEqual(parseIpAddressPort('[::]:7001'), { ip: '::', port: 7001 });
  });

  it('host names resolve to IPs; localhost and IPs stay', async () => {
    const seen: string[] = [];
    const resolver = async (h: string) => (h === 'infra0.coreos.com' ? '10.0.1.10' : '10.9.9.9');
    const out = await resolveUrls(
      ['http://infra0.coreos.com:2380', 'http://localhost:2379', 'http://127.0.0.1:1'],
      (from, to) => seen.push(`etcd: Resolving ${from} to ${to}`),
      resolver,
    );
    assert.deepEqual(out, ['http://10.0.1.10:2380', 'http://localhost:2379', 'http://127.0.0.1:1']);
    assert.deepEqual(seen, ['etcd: Resolving infra0.coreos.com:2380 to 10.0.1.10:2380']);
    assert.equal(
      await urlStringsEqual(['http://infra0.coreos.com:2380'], ['http://10.0.1.10:2380'], resolver),
      true,
    );
    assert.equal(
      await urlStringsEqual(
        ['https://infra0.coreos.com:2380'],
        ['http://10.0.1.10:2380'],
        resolver,
      ),
      false,
    );
    // real resolver, no network needed
    assert.deepEqual(await resolveUrls(['http://localhost:1']), ['http://localhost:1']);
  });
});

describe('logger', () => {
  it('Go log format and levels', () => {
    assert.equal(
      formatLine(
        'etcd: listening for peers on http://127.0.0.1:2380',
        new Date(2015, 0, 29, 10, 32, 16),
      ),
      '2015/01/29 10:32:16 etcd: listening for peers on http://127.0.0.1:2380\n',
    );
    const lines: string[] = [];
    const l = new Logger((s) => lines.push(s), LogLevel.Info);
    l.debug('hidden');
    l.info('etcd: shown');
    l.level = LogLevel.Silent;
    l.error('silenced');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d etcd: shown\n$/);
  });
});

describe('tls', () => {
  it('CA file turns on client certificate authentication; TLS 1.2 at least', async () => {
    const dir = tempDir('etcd-tls');
    try {
      const p = (f: string) => join(dir.path, f);
      const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
      ssl(
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        p('ca.key'),
        '-out',
        p('ca.crt'),
        '-days',
        '1',
        '-subj',
        '/CN=test-ca',
      );
      writeFileSync(
        p('ext.cnf'),
        'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n',
      );
      ssl(
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        p('s.key'),
        '-out',
        p('s.csr'),
        '-subj',
        '/CN=127.0.0.1',
      );
      ssl(
        'x509',
        '-req',
        '-in',
        p('s.csr'),
        '-CA',
        p('ca.crt'),
        '-CAkey',
        p('ca.key'),
        '-CAcreateserial',
        '-out',
        p('s.crt'),
        '-days',
        '1',
        '-extfile',
        p('ext.cnf'),
      );

      const info = { certFile: p('s.crt'), keyFile: p('s.key'), caFile: p('ca.crt') };
      assert.equal(tlsInfoEmpty(info), false);
      assert.equal(
        tlsInfoString(info),
        `cert = ${info.certFile}, key = ${info.keyFile}, ca = ${info.caFile}`,
      );
      const sopts = serverTlsOptions(info);
      assert.equal(sopts.requestCert, true);
      assert.equal(sopts.minVersion, 'TLSv1.2');
      assert.equal(serverTlsOptions({ ...info, caFile: '' }).requestCert, false);
      assert.throws(() => serverTlsOptions({ certFile: info.certFile, keyFile: '', caFile: '' }), {
        message: `KeyFile and CertFile must both be present[key: , cert: ${info.certFile}]`,
      });

      const srv = createServer(sopts, (_req, res) => res.end('ok'));
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
      const port = (srv.address() as AddressInfo).port;
      const get = (opts: object) =>
        new Promise<string>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port, path: '/', ...opts }, (res) => {
            let b = '';
            res.on('data', (d) => {
              b += d;
            });
            res.on('end', () => resolve(b));
          });
          req.on('error', reject);
          req.end();
        });
      try {
        assert.equal(await get(clientTlsOptions(info)), 'ok');
        await assert.rejects(
          get(clientTlsOptions({ certFile: '', keyFile: '', caFile: info.caFile })),
        );
      } finally {
        srv.closeAllConnections();
        await new Promise((r) => srv.close(r));
      }
    } finally {
      dir.remove();
    }
  });
});
