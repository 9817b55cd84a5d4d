// The plain-GET answer cache: what it keeps, what it replays, and that every change to what
// an answer shows (store index, raft position, cluster ID) drops it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KeysBackend } from '../../src/api/backend.js';
import { GetAnswers } from '../../src/api/get-answers.js';
import type { HttpResponse } from '../../src/pkg/http1/types.js';

class FakeBackend {
  store = 7;
  raft = 40;
  term = 2;
  cluster = 'cdf818194e3a8c32';
  cachedGets = 0;
  storeIndex(): number {
    return this.store;
  }
  raftIndex(): number {
    return this.raft;
  }
  raftTerm(): number {
    return this.term;
  }
  clusterId(): string {
    return this.cluster;
  }
  noteCachedGet(): void {
    this.cachedGets++;
  }
}

interface Written {
  status: number;
  headers: string[];
  chunks: string[];
  ended: boolean;
}

function recorder(): { res: HttpResponse; out: Written } {
  const out: Written = { status: 0, headers: [], chunks: [], ended: false };
  const res = {
    writeHead(status: number, headers: string[]) {
      out.status = status;
      out.headers = headers.slice();
    },
    write(chunk: string) {
      out.chunks.push(chunk);
      return true;
    },
    end(chunk?: string) {
      if (chunk !== undefined) out.chunks.push(chunk);
      out.ended = true;
    },
  };
  return { res: res as unknown as HttpResponse, out };
}

const URL = '/v2/keys/a';
const HEADERS = ['Content-Type', 'application/json', 'X-Etcd-Index', '7'];
const BODY =
  '{"action":"get","node":{"key":"/a","value":"1","modifiedIndex":7,"createdIndex":7}}\n';

function setup(): { b: FakeBackend; answers: GetAnswers } {
  const b = new FakeBackend();
  return { b, answers: new GetAnswers(b as unknown as KeysBackend) };
}

function keep(answers: GetAnswers, url = URL, body = BODY): void {
  answers.keep(url, 200, HEADERS, body, Buffer.byteLength(body));
}

describe('GetAnswers', () => {
  test('replays a kept answer byte for byte and counts it as a read', () => {
    const { b, answers } = setup();
    const { res: miss } = recorder();
    assert.equal(answers.serve(URL, miss), 0);
    keep(answers);
    const { res, out } = recorder();
    assert.equal(answers.serve(URL, res), 200);
    assert.deepEqual(out, {
      status: 200,
      headers: [...HEADERS, 'Content-Length', String(Buffer.byteLength(BODY))],
      chunks: [BODY],
      ended: true,
    });
    assert.equal(b.cachedGets, 1);
    assert.equal(answers.serve('/v2/keys/b', recorder().res), 0, 'another URL');
    assert.equal(b.cachedGets, 1);
  });

  test('the headers it was given are not changed', () => {
    const { answers } = setup();
    const headers = HEADERS.slice();
    answers.keep(URL, 200, headers, BODY, Buffer.byteLength(BODY));
    assert.deepEqual(headers, HEADERS);
  });

  for (const [what, change] of [
    ['store index', (b: FakeBackend) => b.store++],
    ['raft index', (b: FakeBackend) => b.raft++],
    ['raft term', (b: FakeBackend) => b.term++],
    ['cluster ID', (b: FakeBackend) => (b.cluster = 'ffffffffffffffff')],
  ] as const) {
    test(`a new ${what} drops every answer`, () => {
      const { b, answers } = setup();
      keep(answers);
      keep(answers, '/v2/keys/other');
      change(b);
      assert.equal(answers.serve(URL, recorder().res), 0);
      assert.equal(answers.serve('/v2/keys/other', recorder().res), 0);
      assert.equal(b.cachedGets, 0);
      // Answers kept at the new position are served again.
      keep(answers);
      assert.equal(answers.serve(URL, recorder().res), 200);
    });
  }

  test('an answer that shows a TTL is not kept (its ttl counts down); a value naming one is', () => {
    const node = (fields: string) =>
      `{"action":"get","node":{"key":"/a",${fields},"modifiedIndex":7,"createdIndex":7}}\n`;
    for (const [fields, status] of [
      ['"value":"1","expiration":"2026-12-04T06:00:00.5Z","ttl":5', 0],
      ['"value":"\\"expiration\\":\\"x"', 200],
    ] as const) {
      const { answers } = setup();
      keep(answers, URL, node(fields));
      assert.equal(answers.serve(URL, recorder().res), status, fields);
    }
  });

  test('an answer over 2048 bytes is replayed chunked, as Go frames it', () => {
    const { answers } = setup();
    const body = `${'x'.repeat(3000)}\n`;
    keep(answers, URL, body);
    const { res, out } = recorder();
    assert.equal(answers.serve(URL, res), 200);
    assert.deepEqual(out.headers, HEADERS);
    assert.deepEqual(out.chunks, [body]);
  });

  test('answers over 16 KiB are not kept, and at most 512 are', () => {
    const { answers } = setup();
    keep(answers, URL, 'y'.repeat((16 << 10) + 1));
    assert.equal(answers.serve(URL, recorder().res), 0);
    for (let i = 0; i < 600; i++) keep(answers, `/v2/keys/k${i}`);
    assert.equal(answers.serve('/v2/keys/k511', recorder().res), 200);
    assert.equal(answers.serve('/v2/keys/k512', recorder().res), 0);
  });
});
