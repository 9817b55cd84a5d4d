// LazyEvents: the fast path's on/once/off/emit, with its first listener kept inline and the
// emitter made at the second; both ways must behave as EventEmitter does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LazyEvents } from '../../../src/pkg/http1/lazy-events.js';

test('one listener: on hears every emit, once hears one, off silences it', () => {
  const e = new LazyEvents();
  const heard: unknown[] = [];
  const on = (x: unknown) => heard.push(['on', x]);
  e.on('close', on);
  assert.equal(e.listenerCount('close'), 1);
  assert.equal(e.listenerCount('drain'), 0);
  assert.equal(e.emit('drain'), false);
  assert.equal(e.emit('close', 1), true);
  assert.equal(e.emit('close', 2), true);
  e.off('close', on);
  assert.equal(e.emit('close', 3), false);
  const once = (x: unknown) => heard.push(['once', x]);
  e.once('close', once);
  assert.equal(e.emit('close', 4), true);
  assert.equal(e.emit('close', 5), false);
  assert.equal(e.listenerCount('close'), 0);
  assert.deepEqual(heard, [
    ['on', 1],
    ['on', 2],
    ['once', 4],
  ]);
});

test('a second listener: both hear, in the order they came; off and once still hold', () => {
  const e = new LazyEvents();
  const heard: string[] = [];
  const first = () => heard.push('first');
  const second = () => heard.push('second');
  const third = () => heard.push('third');
  e.once('close', first);
  e.on('close', second);
  e.on('drain', third);
  assert.equal(e.listenerCount('close'), 2);
  e.emit('close');
  e.emit('close');
  e.emit('drain');
  e.off('close', second);
  assert.equal(e.emit('close'), false);
  // Removing a once listener before it fires, by the function given.
  e.once('drain', first);
  e.off('drain', first);
  e.emit('drain');
  assert.deepEqual(heard, ['first', 'second', 'second', 'third', 'third']);
});

test('off of a listener never added changes nothing; an unheard error is dropped', () => {
  const e = new LazyEvents();
  const heard: string[] = [];
  const l = () => heard.push('l');
  e.on('close', l);
  e.off('close', () => {});
  e.off('drain', l);
  assert.equal(e.emit('error', new Error('x')), false);
  e.emit('close');
  assert.deepEqual(heard, ['l']);
});
