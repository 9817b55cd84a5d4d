import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EtcdError } from '../../src/store/errors.js';
import { applyRequest, newRequest, storeCall, type V2Request } from '../../src/store/request.js';
import { Store } from '../../src/store/store.js';

const NOW = 1_700_000_000_000;
const NS = 1_000_000n;

function put(path: string, fields: Partial<V2Request>): V2Request {
  return { ...newRequest('PUT', path), ...fields };
}

describe('storeCall: etcd 2.0 applyRequest decision table', () => {
  const cases: [Partial<V2Request> & { method: string }, string][] = [
    [{ method: 'POST' }, 'create-unique'],
    [{ method: 'POST', prevExist: true, prevValue: 'x' }, 'create-unique'],
    [{ method: 'PUT' }, 'set'],
    [{ method: 'PUT', dir: true }, 'set'],
    [{ method: 'PUT', prevExist: true }, 'update'],
    [{ method: 'PUT', prevExist: true, prevValue: 'x' }, 'compareAndSwap'],
    [{ method: 'PUT', prevExist: true, prevIndex: 3 }, 'compareAndSwap'],
    [{ method: 'PUT', prevExist: false }, 'create'],
    [{ method: 'PUT', prevExist: false, prevValue: 'x', prevIndex: 3 }, 'create'],
    [{ method: 'PUT', prevValue: 'x' }, 'compareAndSwap'],
    [{ method: 'PUT', prevIndex: 1 }, 'compareAndSwap'],
    [{ method: 'DELETE' }, 'delete'],
    [{ method: 'DELETE', prevValue: 'x' }, 'compareAndDelete'],
    [{ method: 'DELETE', prevIndex: 2, recursive: true }, 'compareAndDelete'],
    [{ method: 'QGET', wait: true }, 'get'],
    [{ method: 'SYNC' }, 'deleteExpired'],
    [{ method: 'GET' }, 'unknown'],
    [{ method: 'PATCH' }, 'unknown'],
  ];
  for (const [fields, want] of cases) {
    test(`${JSON.stringify(fields)} -> ${want}`, () => {
      assert.equal(storeCall({ ...newRequest('PUT', '/1/a'), ...fields }), want);
    });
  }
});

describe('applyRequest', () => {
  test('PUT picks set / create / update / compareAndSwap as etcd', () => {
    const s = new Store();
    assert.equal(applyRequest(s, put('/a', { val: '1' }), NOW).action, 'set');
    assert.equal(applyRequest(s, put('/b', { val: '1', prevExist: false }), NOW).action, 'create');
    assert.equal(applyRequest(s, put('/a', { val: '2', prevExist: true }), NOW).action, 'update');
    assert.equal(
      applyRequest(s, put('/a', { val: '3', prevValue: '2' }), NOW).action,
      'compareAndSwap',
    );
    assert.equal(
      applyRequest(s, put('/a', { val: '4', prevIndex: 4 }), NOW).action,
      'compareAndSwap',
    );
    assert.equal(
      applyRequest(s, put('/a', { val: '5', prevExist: true, prevValue: '4' }), NOW).action,
      'compareAndSwap',
    );
    // prevExist=false wins over prevValue.
    assert.throws(
      () => applyRequest(s, put('/a', { val: '6', prevExist: false, prevValue: '5' }), NOW),
      EtcdError,
    );
  });

  test('expirations are int64 nanoseconds, kept to the ns; 0 is none', () => {
    const s = new Store();
    const exp = BigInt(NOW) * NS + 5_000_000_123n;
    const e = applyRequest(s, put('/e', { val: '1', expiration: exp }), NOW);
    assert.equal(e.node.ttl, 6, 'ceil(5.000000123 s)');
    assert.equal(e.node.expiration, NOW + 5000);
    assert.equal(e.node.expirationNs, 123);
    assert.equal(applyRequest(s, put('/p', { val: '1', expiration: 0n }), NOW).node.ttl, 0);
    // Before 2000: permanent on create, as etcd's minExpireTime.
    assert.equal(applyRequest(s, put('/old', { val: '1', expiration: 5n }), NOW).node.ttl, 0);
  });

  test('POST makes unpadded in-order keys; DELETE, QGET; SYNC expires at its ns time', () => {
    const s = new Store();
    const p = applyRequest(s, { ...newRequest('POST', '/q'), val: 'x' }, NOW);
    assert.equal(p.node.key, '/q/1');
    assert.equal(
      applyRequest(s, { ...newRequest('QGET', '/q'), recursive: true }, NOW).node.nodes!.length,
      1,
    );
    assert.equal(
      applyRequest(s, { ...newRequest('DELETE', p.node.key), prevValue: 'x' }, NOW).action,
      'compareAndDelete',
    );
    assert.equal(
      applyRequest(s, { ...newRequest('DELETE', '/q'), dir: true }, NOW).action,
      'delete',
    );
    const exp = BigInt(NOW + 1000) * NS + 7n;
    applyRequest(s, put('/t', { val: '1', expiration: exp }), NOW);
    applyRequest(s, { ...newRequest('SYNC', ''), time: exp - 1n }, NOW + 1000);
    assert.notEqual(s.find('/t'), null, 'one ns early: still there');
    const sync = applyRequest(s, { ...newRequest('SYNC', ''), time: exp }, NOW + 1000);
    assert.equal(sync.action, 'sync');
    assert.equal(s.find('/t'), null);
    assert.equal(sync.etcdIndex, s.index);
  });

  test('an unknown method changes nothing', () => {
    const s = new Store();
    assert.throws(
      () => applyRequest(s, { ...newRequest('PUT', '/a'), method: 'PATCH' }, NOW),
      /unknown method/,
    );
    assert.equal(s.index, 0);
  });
});
