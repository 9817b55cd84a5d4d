import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeRequest, encodeRequest } from '../../src/server/etcdserverpb.js';
import { newRequest, type V2Request } from '../../src/store/request.js';

test('every field round-trips, 64-bit values included', () => {
  const r: V2Request = {
    id: 'ffa23b2126d60001',
    method: 'PUT',
    path: '/1/a/é',
    val: 'v\u0000x✓😀',
    dir: true,
    prevValue: 'p',
    prevIndex: 2 ** 40,
    prevExist: false,
    expiration: 1_764_752_360_123_456_789n,
    wait: true,
    since: 77,
    recursive: true,
    sorted: true,
    quorum: true,
    time: -5n,
    stream: true,
  };
  assert.deepEqual(decodeRequest(encodeRequest(r)), r);
  const sync = { ...newRequest('SYNC', ''), id: '1', time: 1_764_752_360_000_000_001n };
  assert.deepEqual(decodeRequest(encodeRequest(sync)), sync);
});

test('bytes as gogoproto writes them: every required field, PrevExist only when set', () => {
  const r = { ...newRequest('PUT', '/1/a'), id: 'ff', val: '1' };
  assert.equal(
    Buffer.from(encodeRequest(r)).toString('hex'),
    '08ff0112035055541a042f312f61220131280032003800480050005800600068007000780080' + '0100',
  );
  const withPE = encodeRequest({ ...r, prevExist: true });
  assert.ok(Buffer.from(withPE).includes(Buffer.from([0x38, 0x00, 0x40, 0x01, 0x48])));
  // A negative int64 is ten bytes, as Go writes it.
  const neg = encodeRequest({ ...r, time: -1n });
  assert.ok(Buffer.from(neg).includes(Buffer.from('78ffffffffffffffffff01', 'hex')));
});

test('fields in any order, unknown ones skipped, missing ones zero (as gogoproto)', () => {
  // Path then method, an unknown varint field 20 and an unknown bytes field 21.
  const b = Buffer.from('1a042f312f6112034745549801079a010278788001' + '01', 'hex');
  const r = decodeRequest(b);
  assert.equal(r.method, 'GET');
  assert.equal(r.path, '/1/a');
  assert.equal(r.stream, true);
  assert.equal(r.id, '');
  assert.equal(r.prevExist, null);
  assert.equal(r.expiration, 0n);
});

test('malformed bytes are refused clearly', () => {
  const b = encodeRequest({ ...newRequest('PUT', '/1/a'), val: 'xyz' });
  assert.throws(() => decodeRequest(b.subarray(0, 12)), /unexpected end of input/);
  assert.throws(() => decodeRequest(Uint8Array.of(0x08)), /etcdserverpb.Request: .*unexpected end/);
  assert.throws(() => decodeRequest(Uint8Array.of(0x10, 0x01)), /field 2 has wire type 0/);
  assert.throws(() => decodeRequest(Uint8Array.of(0x0b)), /wire type 3/);
  assert.throws(
    () => decodeRequest(Uint8Array.of(0x38, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f)),
    /PrevIndex .* is too large/,
  );
});
