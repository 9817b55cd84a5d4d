// A linearizability checker for key-value register histories (Wing & Gong's search with
// Lowe's memoisation, as in Knossos/Porcupine). Keys are independent registers, so the
// history is split per key and each part checked alone (P-compositionality).
//
// An operation whose outcome is unknown (the client timed out or lost the connection)
// has `ret = Infinity`: it may have taken effect at any point after its call, or never.

export type OpKind = 'read' | 'write' | 'cas';

export interface Op {
  key: string;
  kind: OpKind;
  /** write: the value written; cas: the new value. */
  value?: string | null;
  /** cas: the value compared against. */
  expect?: string | null;
  /** read: the value seen (null = key absent); cas: whether it succeeded. Ignored when ret is Infinity. */
  result?: string | null | boolean;
  /** Invocation and completion times (any monotonic clock); ret = Infinity when unknown. */
  call: number;
  ret: number;
}

export interface CheckResult {
  ok: boolean;
  /** The key whose history could not be linearized. */
  key?: string;
  /** States explored, for reporting. */
  explored: number;
}

type State = string | null;

/** Applies op to state: returns the new state, or undefined when the op's result is impossible. */
function apply(op: Op, state: State): State | undefined {
  const known = op.ret !== Number.POSITIVE_INFINITY;
  switch (op.kind) {
    case 'read':
      return op.result === state ? state : undefined;
    case 'write':
      return op.value ?? null;
    case 'cas': {
      const matches = state === (op.expect ?? null);
      if (!known) return matches ? (op.value ?? null) : state;
      if (op.result === true) return matches ? (op.value ?? null) : undefined;
      return matches ? undefined : state;
    }
  }
}

function checkKey(ops: Op[], init: State, budget: { left: number }): boolean | 'gave-up' {
  // Reads with unknown outcome constrain nothing.
  const hist = ops.filter((o) => !(o.kind === 'read' && o.ret === Number.POSITIVE_INFINITY));
  hist.sort((a, b) => a.call - b.call);
  const n = hist.length;
  const known = (i: number) => hist[i]!.ret !== Number.POSITIVE_INFINITY;
  let required = 0;
  for (let i = 0; i < n; i++) if (known(i)) required++;
  const done = new Uint8Array(n);
  // Zobrist hashing of the linearized set: memo keys in O(1), not O(n).
  const z1 = new Uint32Array(n);
  const z2 = new Uint32Array(n);
  let seed = 0x9e3779b9;
  const rnd = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  for (let i = 0; i < n; i++) {
    z1[i] = rnd();
    z2[i] = rnd();
  }
  const seen = new Set<string>();
  // An explicit stack: histories of tens of thousands of operations per key are too deep
  // for recursion.
  const stackOp: number[] = [];
  const stackState: State[] = [];
  let state = init;
  let h1 = 0;
  let h2 = 0;
  let doneRequired = 0;
  let first = 0;
  let cursor = 0;
  for (;;) {
    if (doneRequired === required) return true;
    if (--budget.left < 0) return 'gave-up';
    while (first < n && done[first]) first++;
    let minRet = Number.POSITIVE_INFINITY;
    for (let i = first; i < n && hist[i]!.call <= minRet; i++) {
      if (!done[i] && hist[i]!.ret < minRet) minRet = hist[i]!.ret;
    }
    let found = -1;
    let foundState: State = null;
    for (let i = Math.max(cursor, first); i < n; i++) {
      const op = hist[i]!;
      if (op.call > minRet) break;
      if (done[i]) continue;
      const next = apply(op, state);
      if (next === undefined) continue;
      // An unknown cas that fails is the same as never happening: only try its success.
      if (op.kind === 'cas' && !known(i) && next === state) continue;
      const key = `${(h1 ^ z1[i]!) >>> 0},${(h2 ^ z2[i]!) >>> 0}|${next === null ? '\u0000' : next}`;
      if (seen.has(key)) continue;
      seen.add(key);
      found = i;
      foundState = next;
      break;
    }
    if (found >= 0) {
      stackOp.push(found);
      stackState.push(state);
      done[found] = 1;
      h1 ^= z1[found]!;
      h2 ^= z2[found]!;
      if (known(found)) doneRequired++;
      state = foundState;
      cursor = 0;
      continue;
    }
    if (stackOp.length === 0) return false;
    const op = stackOp.pop()!;
    state = stackState.pop()!;
    done[op] = 0;
    h1 ^= z1[op]!;
    h2 ^= z2[op]!;
    if (known(op)) doneRequired--;
    if (op < first) first = op;
    cursor = op + 1;
  }
}

/**
 * Checks a history. `initial` gives each key's value before the history (absent = null).
 * `maxStates` bounds the search; exceeding it throws, since "unknown" must not pass as "ok".
 */
export function checkLinearizable(
  history: Op[],
  initial: Record<string, string | null> = {},
  maxStates = 2_000_000,
): CheckResult {
  const byKey = new Map<string, Op[]>();
  for (const op of history) {
    let list = byKey.get(op.key);
    if (!list) byKey.set(op.key, (list = []));
    list.push(op);
  }
  const budget = { left: maxStates };
  for (const [key, ops] of byKey) {
    const r = checkKey(ops, initial[key] ?? null, budget);
    if (r === 'gave-up') throw new Error(`linearizability search exceeded ${maxStates} states`);
    if (!r) return { ok: false, key, explored: maxStates - budget.left };
  }
  return { ok: true, explored: maxStates - budget.left };
}
