// The plain-GET answer cache: what it keeps, what it replays, and that every change to what
// an answer shows (store index, raft position, cluster ID) drops it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KeysBackend } from '../../src/api/backend.js';
import { GetAnswers } from '../../src/api/get-answers.js';
import type { HttpResponse } from '../../src/pkg/http1/types.js';
import { NodeExtern } from '../../src/store/event.js';

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

/** A view of a file as a plain GET shows it: no TTL. */
function file(key = '/a'): NodeExtern {
  const n = new NodeExtern(key, 7, 7);
  n.value = '1';
  return n;
}

function keep(answers: GetAnswers, url = URL, body = BODY, node = file()): void {
  answers.keep(url, 200, HEADERS, body, Buffer.byteLength(body), node);
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
    answers.keep(URL, 200, headers, BODY, Buffer.byteLength(BODY), file());
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

  test('an answer that shows a TTL, at any depth, is not kept (its ttl counts down)', () => {
    const expiring = (key: string, ms: number, ns: number) => {
      const n = file(key);
      n.setExpiration(ms, ns, ms - 5000);
      return n;
    };
    const dir = (...nodes: NodeExtern[]) => {
      const d = new NodeExtern('/d', 7, 3);
      d.dir = true;
      d.nodes = nodes;
      return d;
    };
    const nested = dir(file('/d/a'), dir(file('/d/d/b'), expiring('/d/d/c', 0, 5)));
    for (const [what, node, status] of [
      ['a file with a TTL', expiring('/a', 1_796_000_000_000, 0), 0],
      ['a TTL under a listed directory', nested, 0],
      ['no TTL anywhere', dir(file('/d/a'), dir(file('/d/d/b'))), 200],
    ] as const) {
      const { answers } = setup();
      keep(answers, URL, BODY, node);
      assert.equal(answers.serve(URL, recorder().res), status, what);
    }
  });

  test('a long answer is worth keeping the second time it is asked for at one position', () => {
    const { b, answers } = setup();
    assert.equal(answers.askedBefore(URL), false);
    assert.equal(answers.askedBefore('/v2/keys/other'), false);
    assert.equal(answers.askedBefore(URL), true);
    b.store++;
    assert.equal(answers.askedBefore(URL), false, 'a new position forgets what was asked');
    assert.equal(answers.askedBefore(URL), true);
    // Kept as bytes, it replays as the same text.
    const body = `{"v":"${'é'.repeat(5000)}"}\n`;
    answers.keep(URL, 200, HEADERS, Buffer.from(body), Buffer.byteLength(body), file());
    const { res, out } = recorder();
    assert.equal(answers.serve(URL, res), 200);
    assert.deepEqual(out.chunks, [body]);
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

  test('answers over 1 MiB are not kept, at most 512 are, and at most 8 MiB of them', () => {
    const { answers } = setup();
    keep(answers, URL, 'y'.repeat((1 << 20) + 1));
    assert.equal(answers.serve(URL, recorder().res), 0);
    keep(answers, URL, 'y'.repeat(1 << 20));
    assert.equal(answers.serve(URL, recorder().res), 200);

    const many = setup().answers;
    for (let i = 0; i < 600; i++) keep(many, `/v2/keys/k${i}`);
    assert.equal(many.serve('/v2/keys/k511', recorder().res), 200);
    assert.equal(many.serve('/v2/keys/k512', recorder().res), 0);

    const big = setup().answers;
    for (let i = 0; i < 9; i++) keep(big, `/v2/keys/big${i}`, 'z'.repeat(1 << 20));
    // Eight of 1 MiB fill the budget; the ninth, however small, is not kept either.
    assert.equal(big.serve('/v2/keys/big7', recorder().res), 200);
    assert.equal(big.serve('/v2/keys/big8', recorder().res), 0);
    keep(big, '/v2/keys/small');
    assert.equal(big.serve('/v2/keys/small', recorder().res), 0);
  });
});
