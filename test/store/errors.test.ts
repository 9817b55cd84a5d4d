// EtcdError is an answer to a client, made on every miss: it must be cheap to make.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EtcdError } from '../../src/store/errors.js';
import { Store } from '../../src/store/store.js';

const NOW = 1_700_000_000_000;

test('an EtcdError carries no stack frames and leaves the stack limit as it was', () => {
  const before = Error.stackTraceLimit;
  let caught: unknown;
  try {
    new Store().get('/missing', false, false, NOW);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof EtcdError);
  assert.equal(caught.stack, 'EtcdError: Key not found');
  assert.equal(Error.stackTraceLimit, before);
  assert.match(new Error('other').stack ?? '', /\n\s+at /);
});
