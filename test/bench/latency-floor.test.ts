import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startFloor } from '../../bench/floor.js';
import { tempDir } from '../helpers/process.js';

async function call(url: string, method: string, body?: string) {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = body;
    init.headers = { 'content-type': 'application/x-www-form-urlencoded' };
  }
  const r = await fetch(url, init);
  const json = (await r.json()) as Record<string, unknown>;
  return { status: r.status, index: r.headers.get('x-etcd-index'), json };
}

test('the latency floor logs a PUT before answering it, keeps the node and answers GETs from it', async () => {
  const dir = tempDir('latency-floor');
  const floor = await startFloor('latency-floor.js', [dir.path]);
  try {
    const url = `${floor.target.clientUrl}/v2/keys/bench/k`;
    const first = await call(url, 'PUT', 'value=one');
    assert.equal(first.status, 201);
    assert.deepEqual(first.json, {
      action: 'set',
      node: { key: '/bench/k', value: 'one', modifiedIndex: 2, createdIndex: 2 },
    });
    const second = await call(url, 'PUT', 'value=two');
    assert.equal(second.status, 200);
    assert.equal(second.index, '3');
    assert.deepEqual(second.json.prevNode, first.json.node);
    const got = await call(url, 'GET');
    assert.deepEqual(got.json, {
      action: 'get',
      node: { key: '/bench/k', value: 'two', modifiedIndex: 3, createdIndex: 2 },
    });
    assert.equal((await call(`${floor.target.clientUrl}/v2/keys/none`, 'GET')).status, 404);
    // Both records are in the log, in order, at its start (the rest of it is zeros).
    const log = readFileSync(join(dir.path, 'floor.log'), 'latin1');
    const text = log.slice(0, log.indexOf('\0'));
    assert.equal(text, '{"key":"/bench/k","value":"one"}\n{"key":"/bench/k","value":"two"}\n');
  } finally {
    await floor.stop();
    dir.remove();
  }
});
