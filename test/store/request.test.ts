import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EtcdError } from '../../src/store/errors.js';
import {
  applyRequest,
  decodeRequest,
  encodeRequest,
  newRequest,
  type V2Request,
} from '../../src/store/request.js';
import { Store } from '../../src/store/store.js';

const NOW = 1_700_000_000_000;

function put(path: string, fields: Partial<V2Request>): V2Request {
  return { ...newRequest('PUT', path), ...fields };
}

describe('V2Request codec', () => {
  test('round-trips every field', () => {
    const r: V2Request = {
      id: 'abc123',
      method: 'PUT',
      path: '/a/é',
      val: 'v\u0000x✓',
      dir: true,
      prevValue: 'p',
      prevIndex: 2 ** 40,
      prevExist: false,
      expiration: NOW + 1234.5,
      wait: true,
      since: 77,
      recursive: true,
      sorted: true,
      quorum: true,
      stream: true,
      time: NOW,
      refresh: true,
    };
    assert.deepEqual(decodeRequest(encodeRequest(r)), r);
    const plain = newRequest('SYNC', '/');
    assert.deepEqual(decodeRequest(encodeRequest(plain)), plain);
    assert.ok(encodeRequest(newRequest('GET', '/k')).length < 16, 'compact');
  });

  test('bad input is refused', () => {
    assert.throws(() => decodeRequest(Uint8Array.of(9)), /format/);
    const b = encodeRequest(put('/a', { val: 'x' }));
    assert.throws(() => decodeRequest(b.subarray(0, b.length - 2)), /truncated/);
    assert.throws(() => decodeRequest(Uint8Array.of(...b, 0)), /trailing/);
  });
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
    assert.equal(applyRequest(s, put('/e', { val: '1', expiration: NOW + 5000 }), NOW).node.ttl, 5);
  });

  test('POST, DELETE, QGET, SYNC', () => {
    const s = new Store();
    const p = applyRequest(s, { ...newRequest('POST', '/q'), val: 'x' }, NOW);
    assert.equal(p.node.key, '/q/00000000000000000001');
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
    applyRequest(s, put('/t', { val: '1', expiration: NOW + 1000 }), NOW);
    const sync = applyRequest(s, { ...newRequest('SYNC', '/'), time: NOW + 1000 }, NOW + 1000);
    assert.equal(sync.action, 'sync');
    assert.equal(s.find('/t'), null);
    assert.equal(sync.etcdIndex, s.index);
  });
});
