// Random operation sequences: a restored snapshot answers exactly as the original, and the
// store's invariants hold (index grows by one per change, history indexes are contiguous).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { EtcdError } from '../../src/store/errors.js';
import { eventJSON } from '../../src/store/json.js';
import { applyRequest, newRequest, type V2Request } from '../../src/store/request.js';
import { Store } from '../../src/store/store.js';

const NOW = 1_700_000_000_000;
const NS = 1_000_000n;
const key = fc.constantFrom('/a', '/b', '/d', '/d/x', '/d/y', '/d/e/f', '/_h', '/q', '/a/z');
const val = fc.constantFrom('', 'v1', 'v2', 'v3');

const op: fc.Arbitrary<V2Request> = fc.oneof(
  fc
    .record({
      k: key,
      v: val,
      dir: fc.boolean(),
      ttl: fc.constantFrom(0, 1, 5, 30),
      ns: fc.nat(999_999),
    })
    .map(({ k, v, dir, ttl, ns }) => ({
      ...newRequest('PUT', k),
      val: v,
      dir,
      expiration: ttl === 0 ? 0n : BigInt(NOW + ttl * 1000) * NS + BigInt(ns),
    })),
  fc
    .record({ k: key, v: val, pe: fc.boolean() })
    .map(({ k, v, pe }) => ({ ...newRequest('PUT', k), val: v, prevExist: pe })),
  fc.record({ k: key, v: val, pv: val, pi: fc.nat(30) }).map(({ k, v, pv, pi }) => ({
    ...newRequest('PUT', k),
    val: v,
    prevValue: pv,
    prevIndex: pi,
  })),
  fc.record({ k: key, v: val }).map(({ k, v }) => ({ ...newRequest('POST', k), val: v })),
  fc.record({ k: key, dir: fc.boolean(), rec: fc.boolean() }).map(({ k, dir, rec }) => ({
    ...newRequest('DELETE', k),
    dir,
    recursive: rec,
  })),
  fc
    .record({ k: key, pv: val, pi: fc.nat(30) })
    .map(({ k, pv, pi }) => ({ ...newRequest('DELETE', k), prevValue: pv, prevIndex: pi })),
  fc.nat(40).map((s) => ({ ...newRequest('SYNC', ''), time: BigInt(NOW + s * 1000) * NS })),
);

function answer(s: Store, r: V2Request, now: number): string {
  try {
    return eventJSON(applyRequest(s, r, now));
  } catch (e) {
    if (e instanceof EtcdError) return `${e.errorCode} ${e.cause} ${e.index}`;
    throw e;
  }
}

test('save/restore at any point gives a store that answers identically', () => {
  fc.assert(
    fc.property(
      fc.array(op, { maxLength: 40 }),
      fc.array(op, { maxLength: 15 }),
      (before, after) => {
        const s = new Store(undefined, undefined, ['/0', '/1']);
        let last = 0;
        for (const r of before) {
          answer(s, r, NOW);
          assert.ok(s.index >= last);
          last = s.index;
        }
        const r = Store.restore(s.save(), ['/0', '/1']);
        assert.equal(Buffer.from(r.save()).toString(), Buffer.from(s.save()).toString());
        assert.deepEqual(r.statsJSON(), s.statsJSON());
        const probes: V2Request[] = [
          ...after,
          { ...newRequest('GET', '/'), recursive: true, sorted: true },
          { ...newRequest('GET', '/'), recursive: true },
          { ...newRequest('GET', '/d'), recursive: true },
        ];
        for (const p of probes) assert.equal(answer(r, p, NOW), answer(s, p, NOW));
        for (let since = 1; since <= s.index; since++) {
          const a = s.watch('/', true, false, since);
          const b = r.watch('/', true, false, since);
          a.remove();
          b.remove();
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('every change adds exactly one history event at the next index', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const s = new Store();
      for (const r of ops) {
        const before = s.index;
        answer(s, r, NOW);
        const events = s.hub.history.all();
        if (s.index > 0) assert.equal(events[events.length - 1]!.index(), s.index);
        assert.equal(events.length, s.index);
        assert.ok(s.index >= before);
      }
      const idx = s.hub.history.all().map((e) => e.index());
      for (const [i, v] of idx.entries()) assert.equal(v, i + 1);
    }),
    { numRuns: 300 },
  );
});
