// The discovery protocol against a real v2 server (Debian's etcd as the discovery
// service), through an HTTP proxy, and DNS SRV bootstrap with an injected resolver.
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  DiscoveryError,
  genClusterString,
  getCluster,
  joinCluster,
  parseDiscoveryProxy,
} from '../../src/discovery/discovery.js';
import { srvGetCluster } from '../../src/discovery/srv.js';
import { computeMemberId } from '../../src/pkg/ids.js';
import { Cluster } from '../../src/discovery/cluster.js';
import { type ReferenceMember, referenceSkip, startReference } from '../helpers/reference.js';

const skip = referenceSkip();
let ref: ReferenceMember | undefined;
let tokenSeq = 0;

async function put(path: string, value: string): Promise<void> {
  const r = await fetch(`${ref!.clientUrl}/v2/keys${path}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ value }).toString(),
  });
  assert.ok(r.status === 200 || r.status === 201, `PUT ${path}: ${r.status}`);
}

/** A fresh discovery URL with the given size (or none). */
async function newToken(size?: string): Promise<string> {
  const path = `/discovery/t${process.pid}x${++tokenSeq}`;
  if (size !== undefined) await put(`${path}/_config/size`, size);
  else await put(`${path}/placeholder-dir-marker/x`, 'x');
  return `${ref!.clientUrl}/v2/keys${path}`;
}

function member(i: number, token: string) {
  const name = `infra${i}`;
  const urls = [`http://10.0.0.${i + 1}:2380`];
  return { name, urls, id: computeMemberId(urls, token), config: genClusterString(name, urls) };
}

const quiet = { log: () => {} };

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof DiscoveryError, String(e));
    return `${e.code}: ${e.message}`;
  }
  return 'resolved';
}

describe('etcd discovery', { skip }, () => {
  before(async () => {
    ref = await startReference('disco');
  });
  after(async () => {
    await ref?.stop();
  });

  it('members register, wait for each other and all get the same cluster', async () => {
    const durl = await newToken('3');
    const ms = [0, 1, 2].map((i) => member(i, durl));
    const lines: string[] = [];
    let waiting!: () => void;
    const isWaiting = new Promise<void>((r) => {
      waiting = r;
    });
    const first = joinCluster(durl, ms[0]!.id, ms[0]!.config, {
      log: (l) => {
        lines.push(l);
        if (l.includes('waiting for 2 more')) waiting();
      },
    });
    // The first one waits until the others arrive.
    await isWaiting;
    const results = await Promise.all([
      first,
      ...ms.slice(1).map((m) => joinCluster(durl, m.id, m.config, quiet)),
    ]);
    for (const r of results) assert.equal(r, results[0]);
    const c = Cluster.fromString(durl, results[0]!);
    assert.deepEqual(
      c
        .members()
        .map((m) => m.name)
        .sort(),
      ['infra0', 'infra1', 'infra2'],
    );
    assert.ok(
      lines.includes(`discovery: found self ${ms[0]!.id} in the cluster`),
      lines.join('\n'),
    );
    assert.ok(lines.includes('discovery: found 1 peer(s), waiting for 2 more'), lines.join('\n'));
    assert.equal(lines.at(-1), 'discovery: found 3 needed peer(s)');

    // One more: the cluster is full (etcd then falls back to proxy or exits).
    const extra = member(3, durl);
    assert.equal(
      await code(joinCluster(durl, extra.id, extra.config, quiet)),
      'full: discovery: cluster is full',
    );
    // A proxy reads the complete cluster.
    assert.equal(await getCluster(durl, quiet), results[0]);
  });

  it('a member registered before gets "found duplicate id"', async () => {
    const durl = await newToken('3');
    const m = member(0, durl);
    const path = new URL(durl).pathname.replace('/v2/keys', '');
    await put(`${path}/${m.id}`, m.config);
    assert.equal(
      await code(joinCluster(durl, m.id, m.config, quiet)),
      'duplicate-id: discovery: found duplicate id',
    );
  });

  it('size key missing or bad', async () => {
    const none = await newToken();
    assert.equal(
      await code(joinCluster(none, '1', 'a=http://1.1.1.1:1', quiet)),
      'size-not-found: discovery: size key not found',
    );
    const bad = await newToken('three');
    assert.equal(
      await code(joinCluster(bad, '1', 'a=http://1.1.1.1:1', quiet)),
      'bad-size: discovery: size key is bad',
    );
  });

  it('--discovery-proxy carries the traffic', async () => {
    let proxied = 0;
    const proxy = createServer((req, res) => {
      proxied++;
      const target = new URL(req.url!);
      const up = request(target, { method: req.method, headers: req.headers }, (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      });
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const durl = await newToken('1');
      const m = member(0, durl);
      const port = (proxy.address() as AddressInfo).port;
      const lines: string[] = [];
      const got = await joinCluster(durl, m.id, m.config, {
        proxy: `127.0.0.1:${port}`,
        log: (l) => lines.push(l),
      });
      assert.equal(got, m.config);
      assert.ok(proxied >= 3, `proxied ${proxied}`);
      assert.equal(lines[0], `discovery: using proxy "http://127.0.0.1:${port}/"`);
    } finally {
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
    }
  });
});

describe('discovery arguments', () => {
  it('proxy addresses are sanitised as etcd does', () => {
    assert.equal(parseDiscoveryProxy(''), null);
    assert.equal(parseDiscoveryProxy('10.0.0.1:8080')!.href, 'http://10.0.0.1:8080/');
    assert.equal(parseDiscoveryProxy('https://p:1')!.href, 'https://p:1/');
  });

  it('an invalid discovery URL', async () => {
    assert.equal(
      await code(joinCluster('not a url', '1', 'a=http://1.1.1.1:1', quiet)),
      'invalid-url: discovery: invalid URL',
    );
  });
});

describe('DNS SRV', () => {
  const records: Record<string, { name: string; port: number }[]> = {
    '_etcd-server._tcp.example.com': [
      { name: 'infra0.example.com.', port: 2380 },
      { name: 'infra1.example.com.', port: 2380 },
      { name: 'infra2.example.com.', port: 2380 },
    ],
  };
  const ips: Record<string, string> = {
    'infra0.example.com': '10.0.1.10',
    'infra1.example.com': '10.0.1.11',
    'infra2.example.com': '10.0.1.12',
  };
  const resolveSrv = async (n: string) => {
    const r = records[n];
    if (!r) throw Object.assign(new Error(`querySrv ENOTFOUND ${n}`), { code: 'ENOTFOUND' });
    return r;
  };
  const lookupHost = async (h: string) => {
    const ip = ips[h];
    if (!ip) throw new Error(`no such host ${h}`);
    return ip;
  };

  it('records become the initial cluster; this member is found by address', async () => {
    const lines: string[] = [];
    const r = await srvGetCluster(
      'infra1',
      'example.com',
      'etcd-cluster',
      ['http://10.0.1.11:2380'],
      {
        resolveSrv,
        lookupHost,
        log: (l) => lines.push(l),
      },
    );
    assert.equal(
      r.cluster,
      '0=http://infra0.example.com:2380,infra1=http://infra1.example.com:2380,1=http://infra2.example.com:2380',
    );
    assert.equal(r.token, 'etcd-cluster');
    assert.ok(
      lines.includes(
        'discovery: Error querying DNS SRV records for _etcd-server-ssl lookup _etcd-server-ssl._tcp.example.com: no such host',
      ),
    );
    assert.ok(
      lines.includes(
        'discovery: Got bootstrap from DNS for etcd-server at http://infra1.example.com:2380',
      ),
    );
  });

  it('no records at all is an error', async () => {
    const lines: string[] = [];
    await assert.rejects(
      srvGetCluster('a', 'nowhere.example', 't', ['http://10.0.0.1:2380'], {
        resolveSrv,
        lookupHost,
        log: (l) => lines.push(l),
      }),
      { message: 'lookup _etcd-server._tcp.nowhere.example: no such host' },
    );
    assert.equal(
      lines.at(-1),
      'discovery: SRV discovery failed: too many errors querying DNS SRV records',
    );
  });
});
