// The endpoints around the keys API (members, machines, stats, version, health, 405s,
// CORS, 404s) against Go etcd 2.0.13, both from a fresh start: same requests, answers
// compared after normalising what must differ (IDs, URLs, names, times, raft counters).
// /version and the store's counters (/v2/stats/store) are compared as they are.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goEtcdSkip } from '../helpers/go-etcd.js';
import { published, startGoMember } from '../helpers/reference.js';
import { waitFor } from '../helpers/process.js';
import { type HttpAnswer, http, spawnEtcd } from '../server/run-member.js';

const ORIGIN = 'http://allowed.example:8080';

/** Headers whose value is compared (others vary by implementation: Date, Connection...). */
const COMPARED = [
  'content-type',
  'allow',
  'x-content-type-options',
  'access-control-allow-origin',
  'access-control-allow-methods',
  'access-control-allow-headers',
];
/** Headers whose presence is compared. */
const PRESENT = ['x-etcd-cluster-id', 'x-etcd-index', 'x-raft-index', 'x-raft-term'];

function normaliseJSON(v: unknown, key = '', exact = false): unknown {
  if (Array.isArray(v)) return v.map((x) => normaliseJSON(x, key, exact));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = normaliseJSON(x, k, exact);
    return out;
  }
  if (typeof v === 'number') return exact ? v : 0;
  if (typeof v === 'string') {
    if (/^https?:\/\//.test(v)) return 'URL';
    if (
      ['id', 'leader', 'name', 'startTime', 'uptime', 'etcdserver', 'etcdcluster'].includes(key)
    ) {
      return key.toUpperCase();
    }
  }
  return v;
}

function normaliseBody(body: string, exact: boolean): string {
  try {
    return JSON.stringify(normaliseJSON(JSON.parse(body), '', exact));
  } catch {
    return body.replace(/https?:\/\/127\.0\.0\.1:\d+/g, 'URL');
  }
}

function view(a: HttpAnswer, path: string): unknown {
  const headers: Record<string, string | boolean> = {};
  for (const h of COMPARED) if (a.headers[h] !== undefined) headers[h] = a.headers[h]!;
  for (const h of PRESENT) headers[h] = a.headers[h] !== undefined;
  return { status: a.status, headers, body: normaliseBody(a.body, path === '/v2/stats/store') };
}

const PATHS = [
  '/v2/machines',
  '/v2/stats/self',
  '/v2/stats/leader',
  '/v2/stats/store',
  '/version',
  '/health',
  '/v2/members',
  '/v2/members/leader',
  '/v2/members/123',
  '/v2/members/zz',
  '/v2/nothing',
  '/v2/stats/',
  '/',
];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS'];

interface Req {
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

function requests(): Req[] {
  const out: Req[] = [];
  for (const path of PATHS) {
    for (const method of METHODS) {
      // Mutations of /v2/members would change the clusters; those get their own requests.
      if (
        path.startsWith('/v2/members') &&
        method !== 'GET' &&
        method !== 'HEAD' &&
        method !== 'OPTIONS'
      ) {
        continue;
      }
      out.push({ method, path });
      out.push({ method, path, headers: { origin: ORIGIN } });
    }
    out.push({ method: 'GET', path, headers: { origin: 'http://other.example:1' } });
  }
  const json = { 'content-type': 'application/json' };
  out.push(
    { method: 'POST', path: '/v2/members', body: '{}', headers: { 'content-type': 'text/plain' } },
    { method: 'POST', path: '/v2/members', body: '{"peerURLs":["bad"]}', headers: json },
    { method: 'POST', path: '/v2/members', body: '{"peerURLs":["http://a"]}', headers: json },
    { method: 'POST', path: '/v2/members', body: '{"peerURLs":["http://a:1/x"]}', headers: json },
    { method: 'PUT', path: '/v2/members', body: '{}', headers: json },
    { method: 'DELETE', path: '/v2/members' },
    { method: 'DELETE', path: '/v2/members/123' },
    { method: 'DELETE', path: '/v2/members/zz' },
    {
      method: 'PUT',
      path: '/v2/members/123',
      body: '{}',
      headers: { 'content-type': 'text/plain' },
    },
  );
  return out;
}

test('members, machines, stats, version, health, 405, 404, CORS: as Go etcd 2.0.13', {
  skip: goEtcdSkip('etcd'),
}, async () => {
  const ours = await spawnEtcd({ name: 'diffep', extra: ['--cors', ORIGIN] });
  const ref = await startGoMember('diffep', ['--cors', ORIGIN]);
  try {
    // The same store reads on both before comparing counters: spawnEtcd made one quorum GET.
    await waitFor(() => published(ours.url), 'our member to publish itself');
    await http('GET', `${ref.clientUrl}/v2/keys/?quorum=true`);
    const diffs: string[] = [];
    for (const r of requests()) {
      const a = await http(r.method, `${ours.url}${r.path}`, r.body, r.headers);
      const b = await http(r.method, `${ref.clientUrl}${r.path}`, r.body, r.headers);
      const va = JSON.stringify(view(a, r.path));
      const vb = JSON.stringify(view(b, r.path));
      if (va !== vb)
        diffs.push(
          `${r.method} ${r.path} ${JSON.stringify(r.headers ?? {})}\n ours: ${va}\n ref:  ${vb}`,
        );
    }
    assert.equal(diffs.length, 0, diffs.join('\n'));
  } finally {
    await ours.destroy();
    await ref.stop();
  }
});
