import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkLinearizable, type Op } from '../helpers/linearizability.js';

const INF = Number.POSITIVE_INFINITY;

test('sequential write then read is linearizable', () => {
  const h: Op[] = [
    { key: 'x', kind: 'write', value: '1', call: 0, ret: 1 },
    { key: 'x', kind: 'read', result: '1', call: 2, ret: 3 },
  ];
  assert.equal(checkLinearizable(h).ok, true);
});

test('a stale read after a completed write is caught', () => {
  const h: Op[] = [
    { key: 'x', kind: 'write', value: '1', call: 0, ret: 1 },
    { key: 'x', kind: 'write', value: '2', call: 2, ret: 3 },
    { key: 'x', kind: 'read', result: '1', call: 4, ret: 5 },
  ];
  const r = checkLinearizable(h);
  assert.equal(r.ok, false);
  assert.equal(r.key, 'x');
});

test('concurrent operations may be ordered either way', () => {
  const h: Op[] = [
    { key: 'x', kind: 'write', value: '1', call: 0, ret: 10 },
    { key: 'x', kind: 'read', result: null, call: 1, ret: 2 },
    { key: 'x', kind: 'read', result: '1', call: 3, ret: 4 },
    { key: 'x', kind: 'read', result: '1', call: 5, ret: 6 },
  ];
  assert.equal(checkLinearizable(h).ok, true);
});

test('a value that reappears after being overwritten is caught', () => {
  const h: Op[] = [
    { key: 'x', kind: 'write', value: '1', call: 0, ret: 10 },
    { key: 'x', kind: 'write', value: '2', call: 0, ret: 10 },
    { key: 'x', kind: 'read', result: '1', call: 11, ret: 12 },
    { key: 'x', kind: 'read', result: '2', call: 13, ret: 14 },
    { key: 'x', kind: 'read', result: '1', call: 15, ret: 16 },
  ];
  assert.equal(checkLinearizable(h).ok, false);
});

test('compare-and-swap results must agree with the register', () => {
  const ok: Op[] = [
    { key: 'x', kind: 'write', value: 'a', call: 0, ret: 1 },
    { key: 'x', kind: 'cas', expect: 'a', value: 'b', result: true, call: 2, ret: 3 },
    { key: 'x', kind: 'cas', expect: 'a', value: 'c', result: false, call: 4, ret: 5 },
    { key: 'x', kind: 'read', result: 'b', call: 6, ret: 7 },
  ];
  assert.equal(checkLinearizable(ok).ok, true);
  const bad: Op[] = [
    { key: 'x', kind: 'write', value: 'a', call: 0, ret: 1 },
    { key: 'x', kind: 'cas', expect: 'a', value: 'b', result: true, call: 2, ret: 3 },
    { key: 'x', kind: 'cas', expect: 'a', value: 'c', result: true, call: 4, ret: 5 },
  ];
  assert.equal(checkLinearizable(bad).ok, false);
});

test('an operation with unknown outcome may or may not have happened', () => {
  const happened: Op[] = [
    { key: 'x', kind: 'write', value: '1', call: 0, ret: INF },
    { key: 'x', kind: 'read', result: '1', call: 5, ret: 6 },
  ];
  assert.equal(checkLinearizable(happened).ok, true);
  const never: Op[] = [
    { key: 'x', kind: 'write', value: '1', call: 0, ret: INF },
    { key: 'x', kind: 'read', result: null, call: 5, ret: 6 },
  ];
  assert.equal(checkLinearizable(never).ok, true);
  // But once seen, it cannot un-happen.
  const flicker: Op[] = [...happened, { key: 'x', kind: 'read', result: null, call: 7, ret: 8 }];
  assert.equal(checkLinearizable(flicker).ok, false);
});

test('keys are checked independently, with initial values', () => {
  const h: Op[] = [
    { key: 'x', kind: 'read', result: 'init', call: 0, ret: 1 },
    { key: 'y', kind: 'read', result: null, call: 0, ret: 1 },
  ];
  assert.equal(checkLinearizable(h, { x: 'init' }).ok, true);
  assert.equal(checkLinearizable(h).ok, false);
});

test('a larger concurrent history is checked within the budget', () => {
  // Four clients, each writing its own values and reading; built to be linearizable
  // by giving each op a point inside its interval and replaying in that order.
  const ops: Op[] = [];
  let state: string | null = null;
  let seed = 42;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const points: { at: number; op: Op }[] = [];
  for (let i = 0; i < 120; i++) {
    const call = i * 3 + Math.floor(rand() * 5);
    const ret = call + 1 + Math.floor(rand() * 8);
    const at = call + rand() * (ret - call);
    const kind: Op['kind'] = rand() < 0.5 ? 'read' : 'write';
    points.push({ at, op: { key: 'k', kind, value: `v${i}`, call, ret } });
  }
  points.sort((a, b) => a.at - b.at);
  for (const { op } of points) {
    if (op.kind === 'write') state = op.value ?? null;
    else op.result = state;
    ops.push(op);
  }
  assert.equal(checkLinearizable(ops).ok, true);
  // Corrupt one read to a value that was never written: must fail.
  const firstRead = ops.find((o) => o.kind === 'read')!;
  firstRead.result = 'never-written';
  assert.equal(checkLinearizable(ops).ok, false);
});

test('a long history (tens of thousands of operations on one key) is checked without recursion limits', () => {
  const ops: Op[] = [];
  for (let i = 0; i < 30_000; i++) {
    const t = i * 2;
    if (i % 2 === 0) ops.push({ key: 'k', kind: 'write', value: `v${i}`, call: t, ret: t + 1 });
    else ops.push({ key: 'k', kind: 'read', result: `v${i - 1}`, call: t, ret: t + 1 });
  }
  assert.equal(checkLinearizable(ops).ok, true);
  ops[ops.length - 1]!.result = 'v0';
  assert.equal(checkLinearizable(ops).ok, false);
});
