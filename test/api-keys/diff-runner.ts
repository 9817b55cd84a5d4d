// Runs scripted /v2/keys request sequences against a server and records what it answered,
// normalised so that two servers can be compared: expiration times masked, unsorted listings
// ordered by key. Indexes are compared as they are: both servers start fresh, so every
// X-Etcd-Index, createdIndex and in-order key name must be the same number.
import http from 'node:http';

export type Step =
  | { op: 'req'; method: string; path: string; body?: string; contentType?: string; note?: string }
  | { op: 'watch'; id: string; path: string }
  | { op: 'await'; id: string; events?: number }
  | { op: 'burst'; count: number; path: string }
  | { op: 'sleep'; ms: number };

export interface Script {
  name: string;
  steps: Step[];
}

export interface Answer {
  step: number;
  status: number;
  headers: Record<string, string>;
  body: unknown;
  /** Escape sequences and raw non-ASCII characters of the raw body, sorted: the bytes JSON parsing hides. */
  escapes: string;
}

function escapeProfile(text: string): string {
  return (text.match(/\\u[0-9a-fA-F]{4}|\\.|[^\x00-\x7f]/gu) ?? []).sort().join(' ');
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(
  base: string,
  method: string,
  path: string,
  body?: string,
  contentType?: string,
): Promise<Raw> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {};
    if (body !== undefined) {
      headers['Content-Type'] = contentType ?? 'application/x-www-form-urlencoded';
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    const r = http.request(
      { host: u.hostname, port: u.port, path, method, agent, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(body);
  });
}

interface OpenWatch {
  status: number;
  headers: http.IncomingHttpHeaders;
  lines: string[];
  ended: boolean;
  waiters: (() => void)[];
  close(): void;
}

/** Starts a watch and resolves once its headers arrived (the watcher is registered then). */
function openWatch(base: string, path: string): Promise<OpenWatch> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const r = http.request({ host: u.hostname, port: u.port, path, method: 'GET' }, (res) => {
      const w: OpenWatch = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        lines: [],
        ended: false,
        waiters: [],
        close: () => r.destroy(),
      };
      let buf = '';
      const wake = () => {
        const ws = w.waiters;
        w.waiters = [];
        for (const f of ws) f();
      };
      res.on('data', (c: Buffer) => {
        buf += c.toString('utf8');
        let i = buf.indexOf('\n');
        while (i >= 0) {
          w.lines.push(buf.slice(0, i));
          buf = buf.slice(i + 1);
          i = buf.indexOf('\n');
        }
        wake();
      });
      const end = () => {
        if (buf !== '') w.lines.push(buf);
        buf = '';
        w.ended = true;
        wake();
      };
      res.on('end', end);
      res.on('error', end);
      res.on('close', end);
      resolve(w);
    });
    r.on('error', reject);
    r.end();
  });
}

async function awaitLines(w: OpenWatch, n: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (w.lines.length < n && !w.ended) {
    const left = deadline - Date.now();
    if (left <= 0) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, left);
      w.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

// ---- normalisation ----

const KEPT_HEADERS = [
  'content-type',
  'x-etcd-index',
  'allow',
  'location',
  'x-content-type-options',
];
const PRESENT_HEADERS = ['x-raft-index', 'x-raft-term', 'x-etcd-cluster-id'];

function normValue(v: unknown, sortLists = true): unknown {
  if (Array.isArray(v)) {
    const out = v.map((x) => normValue(x, sortLists));
    if (sortLists && out.every((x) => typeof x === 'object' && x !== null && 'key' in x)) {
      out.sort((a, b) => {
        const ka = String((a as { key: string }).key);
        const kb = String((b as { key: string }).key);
        return ka < kb ? -1 : ka > kb ? 1 : 0;
      });
    }
    return out;
  }
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) {
    if (k === 'expiration' && typeof x === 'string') out[k] = '<time>';
    else out[k] = normValue(x, sortLists);
  }
  // Field order matters on the wire: keep it visible.
  out['#order'] = Object.keys(o).join(',');
  return out;
}

/** `sorted`: the request asked for sorted=true, so the order itself is compared. */
function normBody(text: string, sorted = false): unknown {
  if (text === '') return '';
  try {
    return normValue(JSON.parse(text), !sorted);
  } catch {
    return text;
  }
}

function normHeaders(h: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of KEPT_HEADERS) {
    const v = h[k];
    if (v !== undefined) out[k] = String(v);
  }
  for (const k of PRESENT_HEADERS) if (h[k] !== undefined) out[k] = '<present>';
  out.framing =
    h['transfer-encoding'] === 'chunked'
      ? 'chunked'
      : h['content-length'] !== undefined
        ? 'length'
        : 'none';
  return out;
}

/** Replaces {{N}} with base+N (indexes in requests are written relative to the script start). */
function fill(path: string, base: number): string {
  return path.replace(/\{\{(-?\d+)\}\}/g, (_m, n: string) => String(base + Number(n)));
}

/**
 * Runs a script; the first request made is a GET of the root to learn the base index
 * (recorded as step -1: both servers must be at the same index when a script starts).
 */
export async function runScript(baseUrl: string, script: Script): Promise<Answer[]> {
  const probe = await request(baseUrl, 'GET', '/v2/keys/');
  const base = Number(probe.headers['x-etcd-index']);
  const out: Answer[] = [
    {
      step: -1,
      status: probe.status,
      headers: normHeaders(probe.headers),
      body: base,
      escapes: '',
    },
  ];
  const watches = new Map<string, OpenWatch>();
  try {
    for (let i = 0; i < script.steps.length; i++) {
      const s = script.steps[i]!;
      switch (s.op) {
        case 'req': {
          const r = await request(baseUrl, s.method, fill(s.path, base), s.body, s.contentType);
          const body = s.method === 'HEAD' ? '' : r.body;
          out.push({
            step: i,
            status: r.status,
            headers: normHeaders(r.headers),
            body: normBody(body, /[?&]sorted=true/.test(s.path)),
            escapes: escapeProfile(body),
          });
          break;
        }
        case 'watch':
          watches.set(s.id, await openWatch(baseUrl, fill(s.path, base)));
          break;
        case 'await': {
          const w = watches.get(s.id)!;
          await awaitLines(w, s.events ?? 1, 5000);
          w.close();
          const raw = w.lines.slice(0, s.events ?? 1);
          out.push({
            step: i,
            status: w.status,
            headers: normHeaders(w.headers),
            body: raw.map((l) => normBody(l)),
            escapes: escapeProfile(raw.join('\n')),
          });
          break;
        }
        case 'burst': {
          const all: Promise<Raw>[] = [];
          for (let k = 0; k < s.count; k++) {
            all.push(
              request(baseUrl, 'PUT', fill(s.path, base).replace('{k}', String(k)), undefined),
            );
            if (all.length >= 32) await Promise.all(all.splice(0));
          }
          await Promise.all(all);
          break;
        }
        case 'sleep':
          await new Promise((r) => setTimeout(r, s.ms));
          break;
      }
    }
  } finally {
    for (const w of watches.values()) w.close();
  }
  return out;
}

/** Makes ttl values that differ by at most one second equal (they are read at different instants). */
export function reconcileTTL(ours: unknown, ref: unknown): void {
  if (typeof ours !== 'object' || ours === null || typeof ref !== 'object' || ref === null) return;
  const o = ours as Record<string, unknown>;
  const r = ref as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (
      k === 'ttl' &&
      typeof o[k] === 'number' &&
      typeof r[k] === 'number' &&
      Math.abs((o[k] as number) - (r[k] as number)) <= 1
    ) {
      o[k] = r[k];
    } else reconcileTTL(o[k], r[k]);
  }
}

export function closeAgent(): void {
  agent.destroy();
}
