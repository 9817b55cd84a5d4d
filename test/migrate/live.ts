// Reads from a running upgraded member (ours or Go's): the questions view04.txt asked 0.4.9,
// and a poll until the answers match what 0.4.9 served.
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/process.js';
import { diffLive, type Flat, flatten, VIEW_KEYS } from './fixtures.js';

export function url(port: number): string {
  return `http://127.0.0.1:${port}`;
}

export async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const r = await fetch(`${url(port)}${path}`);
  return { status: r.status, body: await r.text() };
}

/** The same reads view04.txt made, from a running member (or proxy). */
export async function dump(port: number): Promise<Flat> {
  const out: Flat = {};
  for (const k of VIEW_KEYS) {
    const r = await get(port, `/v2/keys${k === '/' ? '/' : k}?recursive=true&sorted=true`);
    if (r.status !== 200) continue;
    flatten((JSON.parse(r.body) as { node: never }).node, out);
  }
  return out;
}

export async function leaderUp(port: number): Promise<void> {
  await waitFor(
    async () => (await get(port, '/v2/keys/?quorum=true')).status === 200,
    'a leader',
    30_000,
  );
}

/** Polls until the server shows the 0.4 keyspace (expired keys are removed by SYNCs). */
export async function assertKeyspace(
  port: number,
  want: Flat,
  ignore: string[] = [],
): Promise<void> {
  let diffs: string[] = [];
  try {
    await waitFor(
      async () => {
        const got = await dump(port);
        for (const k of ignore) delete got[k];
        diffs = diffLive(want, got, Date.now(), 5_000);
        return diffs.length === 0;
      },
      '0.4 keyspace',
      10_000,
    );
  } catch {
    // reported below
  }
  assert.deepEqual(diffs, []);
}
