// Two implementations in one cluster must apply every entry identically. The log Go etcd
// 2.0.13 wrote for test/fixtures/go-2.0.13-store (keys, dirs, TTLs, in-order keys, CAS,
// deletes, a quorum GET, SYNCs, a member added and removed) is decoded with our
// etcdserverpb codec, re-encoded byte for byte, and applied to our store: the result is
// Go's own snapshot, byte for byte (the ttl shown in history events aside: each member
// computes it from its own clock when it applies).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { applyConfChangeToStore, applyRequestToStore } from '../../src/server/store-apply.js';
import { decodeRequest, encodeRequest } from '../../src/server/etcdserverpb.js';
import {
  memberContextJSON,
  membersFromStore,
  STORE_NAMESPACES,
} from '../../src/server/membership-store.js';
import { Store } from '../../src/store/store.js';

const FIXTURE = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'test',
  'fixtures',
  'go-2.0.13-store',
);

interface Entry {
  type: number;
  term: number;
  index: number;
  data: string;
}
const log = JSON.parse(readFileSync(join(FIXTURE, 'entries.json'), 'utf8')) as {
  snapshotIndex: number;
  entries: Entry[];
};
const goJSON = readFileSync(join(FIXTURE, 'store.data'), 'utf8');

/** A throwaway raftpb.ConfChange reader (the raftpb codec is another module's). */
function confChange(b: Buffer): { type: number; nodeId: string; context: Uint8Array } {
  let p = 0;
  const varint = (): bigint => {
    let v = 0n;
    let s = 0n;
    for (;;) {
      const c = b[p++]!;
      v |= BigInt(c & 0x7f) << s;
      if (c < 0x80) return v;
      s += 7n;
    }
  };
  const out: { type: number; nodeId: string; context: Uint8Array } = {
    type: 0,
    nodeId: '0',
    context: new Uint8Array(),
  };
  while (p < b.length) {
    const key = Number(varint());
    if (key === 0x22) {
      const n = Number(varint());
      out.context = b.subarray(p, p + n);
      p += n;
      continue;
    }
    const v = varint();
    if (key === 0x10) out.type = Number(v);
    if (key === 0x18) out.nodeId = v.toString(16);
  }
  return out;
}

const KINDS = ['add', 'remove', 'update'] as const;

/** Applies the log; returns the store and the conf changes refused at apply time. */
function replay(now: (i: number) => number): { store: Store; refused: string[] } {
  const s = new Store(undefined, undefined, STORE_NAMESPACES);
  const refused: string[] = [];
  for (const e of log.entries) {
    const data = Buffer.from(e.data, 'base64');
    if (e.type === 1) {
      const cc = confChange(data);
      const kind = KINDS[cc.type]!;
      const r = applyConfChangeToStore(s, kind, cc.nodeId, cc.context, now(e.index));
      if (r.error !== null) refused.push(`${kind} ${cc.nodeId}: ${r.error}`);
    } else if (data.length > 0) {
      applyRequestToStore(s, decodeRequest(data), now(e.index));
    }
  }
  return { store: s, refused };
}

const maskTTL = (s: string) => s.replace(/"ttl":-?\d+,/g, '"ttl":#,');

test("our codec re-encodes every request of Go's log byte for byte", () => {
  let n = 0;
  for (const e of log.entries) {
    const data = Buffer.from(e.data, 'base64');
    if (e.type !== 0 || data.length === 0) continue;
    const r = decodeRequest(data);
    assert.equal(
      Buffer.from(encodeRequest(r)).toString('hex'),
      data.toString('hex'),
      `entry ${e.index}`,
    );
    n++;
  }
  assert.ok(n > 30, `${n} requests`);
});

test("Go's log applied to our store gives Go's snapshot, byte for byte", () => {
  const { store: s, refused } = replay(() => Date.now());
  // etcdctl may send the removal to both members (it retries on another endpoint): Go
  // refused the second one at apply time, as etcd 2.0 does, and so must we.
  for (const r of refused) assert.match(r, /^remove [0-9a-f]+: etcdserver: ID removed$/);
  // The fixture script's readiness probe made one plain GET, which a log cannot carry.
  s.get('/1', false, false, Date.now());
  assert.equal(maskTTL(Buffer.from(s.save()).toString('utf8')), maskTTL(goJSON));
  const m = membersFromStore(s, Date.now());
  assert.deepEqual([...m.members.keys()], ['d59ef700c4ef4aff']);
  assert.deepEqual(m.members.get('d59ef700c4ef4aff'), {
    id: 'd59ef700c4ef4aff',
    name: 'n1',
    peerURLs: ['http://127.0.0.1:19801'],
    clientURLs: ['http://127.0.0.1:19791'],
  });
  assert.equal(m.removed.size, 1);
  const gone = [...m.removed][0]!;
  assert.notEqual(gone, 'd59ef700c4ef4aff');
});

test('a member added twice or removed twice is refused at apply time, changing nothing', () => {
  const s = replay(() => Date.now()).store;
  const before = s.index;
  const gone = [...membersFromStore(s, 0).removed][0]!;
  const ctx = Buffer.from(
    memberContextJSON({ id: gone, name: '', peerURLs: ['http://127.0.0.1:19802'], clientURLs: [] }),
  );
  assert.equal(applyConfChangeToStore(s, 'add', gone, ctx, 0).error, 'etcdserver: ID removed');
  assert.equal(
    applyConfChangeToStore(s, 'remove', gone, new Uint8Array(), 0).error,
    'etcdserver: ID removed',
  );
  const dup = Buffer.from('{"id":1,"peerURLs":["http://127.0.0.1:19801"]}');
  assert.equal(applyConfChangeToStore(s, 'add', '1', dup, 0).error, 'etcdserver: peerURL exists');
  assert.equal(
    applyConfChangeToStore(s, 'remove', '2', new Uint8Array(), 0).error,
    'etcdserver: ID not found',
  );
  assert.equal(s.index, before);
});
