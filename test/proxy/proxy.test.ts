// The proxy in front of a two-member cluster of ours: keys, watches (long-poll and
// stream, and the upstream watch released when the client goes), readonly mode, the
// saved cluster file, bin/etcd --proxy on, and failover when a member dies.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Logger } from '../../src/pkg/logger.js';
import { type ProxyConfig, type RunningProxy, startProxy } from '../../src/proxy/proxy.js';
import { OUR_ETCD, startCluster, type TestCluster } from '../helpers/cluster.js';
import { reservePorts } from '../helpers/ports.js';
import { start, tempDir, waitFor } from '../helpers/process.js';

const NO_TLS = { certFile: '', keyFile: '', caFile: '' };

function config(
  dataDir: string,
  port: number,
  initialCluster: string,
  mode: 'on' | 'readonly' = 'on',
): ProxyConfig {
  return {
    name: 'proxy',
    dataDir,
    listenClientUrls: [`http://127.0.0.1:${port}`],
    initialCluster,
    initialClusterToken: 'etcd-cluster',
    discovery: '',
    discoveryProxy: '',
    discoverySrv: '',
    proxy: mode,
    clientTls: NO_TLS,
    peerTls: NO_TLS,
    cors: [],
  };
}

function capture(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: new Logger((l) => lines.push(l)), lines };
}

async function req(
  url: string,
  method = 'GET',
  form?: Record<string, string>,
): Promise<{ status: number; body: string; headers: Headers }> {
  const init: RequestInit = { method };
  if (form) {
    init.body = new URLSearchParams(form).toString();
    init.headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
  }
  const r = await fetch(url, init);
  return { status: r.status, body: await r.text(), headers: r.headers };
}

/** Sum of the members' watcher counts (/v2/stats/store). */
async function watchers(c: TestCluster): Promise<number> {
  let n = 0;
  for (const m of c.members) {
    if (!m.proc) continue;
    const s = (await (await fetch(`${m.clientUrl}/v2/stats/store`)).json()) as {
      watchers: number;
    };
    n += s.watchers;
  }
  return n;
}

describe('proxy in front of our cluster', () => {
  let cluster: TestCluster;
  let proxy: RunningProxy;
  let url: string;
  let dir: { path: string; remove(): void };
  const log = capture();

  before(async () => {
    cluster = await startCluster(2);
    dir = tempDir('proxy');
    const [port] = await reservePorts(1);
    proxy = await startProxy(config(dir.path, port!, cluster.initialCluster), {
      logger: log.logger,
      refreshMs: 60_000,
    });
    url = proxy.clientUrls[0]!.replace(/\/$/, '');
  });

  after(async () => {
    await proxy?.close();
    await cluster?.close();
    dir?.remove();
  });

  test('learns the client URLs from the peers and logs where it listens', () => {
    assert.deepEqual([...proxy.endpoints()].sort(), cluster.members.map((m) => m.clientUrl).sort());
    assert.ok(
      log.lines.some((l) => l.includes(`etcd: proxy: listening for client requests on ${url}`)),
      log.lines.join(''),
    );
  });

  test('GET, PUT, DELETE go through and answer as the member does', async () => {
    const put = await req(`${url}/v2/keys/p/a`, 'PUT', { value: 'one' });
    assert.equal(put.status, 201);
    const created = JSON.parse(put.body) as { action: string; node: { value: string } };
    assert.equal(created.action, 'set');
    assert.equal(created.node.value, 'one');
    assert.ok(put.headers.get('x-etcd-index'));
    assert.equal(put.headers.get('connection'), 'keep-alive');

    const viaProxy = await req(`${url}/v2/keys/p/a?quorum=true`);
    const direct = await req(`${cluster.members[0]!.clientUrl}/v2/keys/p/a?quorum=true`);
    assert.equal(viaProxy.status, 200);
    assert.equal(viaProxy.body, direct.body);

    const del = await req(`${url}/v2/keys/p/a`, 'DELETE');
    assert.equal(del.status, 200);
    assert.equal((JSON.parse(del.body) as { action: string }).action, 'delete');
    const gone = await req(`${url}/v2/keys/p/a?quorum=true`);
    assert.equal(gone.status, 404);
    assert.equal((JSON.parse(gone.body) as { errorCode: number }).errorCode, 100);

    const machines = await req(`${url}/v2/machines`);
    assert.equal(machines.status, 200);
    const version = await req(`${url}/version`);
    assert.equal(version.status, 200);
  });

  test('a long-poll watch through the proxy gets the event', async () => {
    const watch = req(`${url}/v2/keys/p/lp?wait=true`);
    // The watch is registered once a member counts it.
    await waitFor(async () => (await watchers(cluster)) > 0, 'watch registered');
    await req(`${cluster.members[0]!.clientUrl}/v2/keys/p/lp`, 'PUT', { value: 'x' });
    const got = await watch;
    assert.equal(got.status, 200);
    const ev = JSON.parse(got.body) as { action: string; node: { key: string; value: string } };
    assert.equal(ev.action, 'set');
    assert.equal(ev.node.key, '/p/lp');
    assert.equal(ev.node.value, 'x');
  });

  test('a stream watch delivers each event as it happens; leaving releases the upstream', async () => {
    const resP = new Promise<IncomingMessage>((resolve, reject) => {
      httpGet(`${url}/v2/keys/p/st?wait=true&stream=true`, resolve).on('error', reject);
    });
    await waitFor(async () => (await watchers(cluster)) > 0, 'stream watch registered');
    const events: string[] = [];
    let buf = '';
    let wake: (() => void) | null = null;
    let res: IncomingMessage | null = null;
    const nextEvent = async (n: number) => {
      while (events.length < n) await new Promise<void>((r) => (wake = r));
    };
    for (const v of ['1', '2', '3']) {
      await req(`${cluster.members[1]!.clientUrl}/v2/keys/p/st`, 'PUT', { value: v });
      if (res === null) {
        // The member may hold its headers until the first event; they come with it.
        res = await resP;
        assert.equal(res.statusCode, 200);
        assert.equal(res.headers['transfer-encoding'], 'chunked');
        res.on('data', (c: Buffer) => {
          buf += c.toString();
          let i = buf.indexOf('\n');
          while (i >= 0) {
            const line = buf.slice(0, i).trim();
            buf = buf.slice(i + 1);
            if (line !== '') events.push(line);
            i = buf.indexOf('\n');
          }
          wake?.();
        });
      }
      // Each event arrives before the next write: nothing is held back in the proxy.
      await nextEvent(Number(v));
    }
    assert.deepEqual(
      events.map((e) => (JSON.parse(e) as { node: { value: string } }).node.value),
      ['1', '2', '3'],
    );
    assert.ok((await watchers(cluster)) > 0);
    res!.destroy();
    await waitFor(async () => (await watchers(cluster)) === 0, 'upstream watch released', 5000);
  });

  test('readonly proxy: 501 with an empty body for anything but GET', async () => {
    const roDir = tempDir('proxy-ro');
    const [port] = await reservePorts(1);
    const ro = await startProxy(config(roDir.path, port!, cluster.initialCluster, 'readonly'), {
      logger: capture().logger,
    });
    try {
      const base = ro.clientUrls[0]!.replace(/\/$/, '');
      for (const method of ['PUT', 'POST', 'DELETE']) {
        const r = await req(`${base}/v2/keys/ro`, method, { value: 'v' });
        assert.equal(r.status, 501, method);
        assert.equal(r.body, '');
        assert.equal(r.headers.get('content-length'), '0');
      }
      const head = await fetch(`${base}/v2/keys/ro`, { method: 'HEAD' });
      assert.equal(head.status, 501);
      const nothing = await req(`${cluster.members[0]!.clientUrl}/v2/keys/ro?quorum=true`);
      assert.equal(nothing.status, 404, 'no write went through');
      const ok = await req(`${base}/v2/keys/`);
      assert.equal(ok.status, 200);
    } finally {
      await ro.close();
      roDir.remove();
    }
  });

  test('the cluster file is saved, and a restarted proxy uses it', async () => {
    const file = join(dir.path, 'proxy', 'cluster');
    assert.ok(existsSync(file));
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { PeerURLs: string[] };
    assert.deepEqual(saved, { PeerURLs: cluster.members.map((m) => m.peerUrl).sort() });

    const [port] = await reservePorts(1);
    const again = capture();
    // --initial-cluster now names a peer that does not exist: only the file can help.
    const p2 = await startProxy(config(dir.path, port!, 'gone=http://127.0.0.1:1'), {
      logger: again.logger,
    });
    try {
      assert.ok(
        again.lines.some((l) => l.includes('from cluster file')),
        again.lines.join(''),
      );
      const base = p2.clientUrls[0]!.replace(/\/$/, '');
      const r = await req(`${base}/v2/keys/p/file`, 'PUT', { value: 'f' });
      assert.equal(r.status, 201);
    } finally {
      await p2.close();
    }
  });

  test('bin/etcd --proxy on serves through the cluster', async () => {
    const pdir = tempDir('proxy-bin');
    const [port] = await reservePorts(1);
    const purl = `http://127.0.0.1:${port}`;
    const p = start(process.execPath, [
      OUR_ETCD,
      '--proxy',
      'on',
      '--data-dir',
      pdir.path,
      '--listen-client-urls',
      purl,
      '--initial-cluster',
      cluster.initialCluster,
    ]);
    try {
      await waitFor(async () => (await req(`${purl}/v2/keys/`)).status === 200, 'bin proxy');
      const r = await req(`${purl}/v2/keys/p/bin`, 'PUT', { value: 'b' });
      assert.equal(r.status, 201);
      assert.match(
        p.output(),
        /etcd: proxy: listening for client requests on http:\/\/127\.0\.0\.1:/,
      );
    } finally {
      assert.equal(await p.stop('SIGTERM'), 0);
      pdir.remove();
    }
  });

  test('--discovery: the proxy learns the cluster from the discovery service', async () => {
    // The cluster itself serves as discovery service for its own registration.
    const c0 = cluster.members[0]!.clientUrl;
    await req(`${c0}/v2/keys/disc/_config/size`, 'PUT', { value: '2' });
    for (const [i, m] of cluster.members.entries())
      await req(`${c0}/v2/keys/disc/${i + 1}`, 'PUT', { value: `${m.name}=${m.peerUrl}` });
    const ddir = tempDir('proxy-disc');
    const [port] = await reservePorts(1);
    const cfg = { ...config(ddir.path, port!, ''), discovery: `${c0}/v2/keys/disc` };
    const p = await startProxy(cfg, { logger: capture().logger });
    try {
      assert.deepEqual([...p.endpoints()].sort(), cluster.members.map((m) => m.clientUrl).sort());
      const saved = JSON.parse(readFileSync(join(ddir.path, 'proxy', 'cluster'), 'utf8'));
      assert.deepEqual(saved, { PeerURLs: cluster.members.map((m) => m.peerUrl).sort() });
    } finally {
      await p.close();
      ddir.remove();
    }
  });

  test('a member beyond the discovery size falls back to proxy', async () => {
    // Runs after the --discovery test: its token has its two members already.
    const fdir = tempDir('proxy-fallback');
    const [cport, pport] = await reservePorts(2);
    const curl = `http://127.0.0.1:${cport}`;
    const purl = `http://127.0.0.1:${pport}`;
    const p = start(process.execPath, [
      OUR_ETCD,
      '--name',
      'extra',
      '--data-dir',
      fdir.path,
      '--discovery',
      `${cluster.members[0]!.clientUrl}/v2/keys/disc`,
      '--listen-client-urls',
      curl,
      '--advertise-client-urls',
      curl,
      '--listen-peer-urls',
      purl,
      '--initial-advertise-peer-urls',
      purl,
    ]);
    try {
      await waitFor(async () => (await req(`${curl}/v2/keys/`)).status === 200, 'fallback proxy');
      assert.match(p.output(), /discovery cluster full, falling back to proxy/);
      assert.match(p.output(), /etcd: proxy: listening for client requests on/);
      const r = await req(`${curl}/v2/keys/p/fallback`, 'PUT', { value: 'fb' });
      assert.equal(r.status, 201);
    } finally {
      assert.equal(await p.stop('SIGTERM'), 0);
      fdir.remove();
    }
  });

  // Last: it kills a member.
  test('failover: with one member dead every request is answered by the other', async () => {
    const dead = cluster.members[1]!.clientUrl;
    await cluster.stopMember(1);
    for (let i = 0; i < 4; i++) {
      const r = await req(`${url}/v2/keys/`);
      assert.equal(r.status, 200, `request ${i}`);
    }
    // Benched after its first failure: exactly one failed attempt within the 5 s.
    const benched = log.lines.filter((l) => l.includes(`marked endpoint ${dead} unavailable`));
    assert.equal(benched.length, 1, log.lines.join(''));
  });
});
