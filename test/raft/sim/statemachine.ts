// The simulated application: it only remembers what it applied, as an index and a
// rolling hash of every applied entry, plus the membership the log produced. Its
// snapshot is that pair, so a node restored from a snapshot can still be compared,
// entry for entry, with the one history every node must follow.
import type { Entry } from '../../../src/raft/types.js';

/** FNV-1a over an entry's type and data: which entry this is, independent of its index. */
export function fingerprint(e: Entry): number {
  let h = 0x811c9dc5 ^ e.type;
  h = Math.imul(h, 0x01000193);
  const d = e.data;
  for (let i = 0; i < d.length; i++) {
    h ^= d[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The hash of the history after one more entry. */
export function rollHash(prev: number, index: number, term: number, fp: number): number {
  let h = prev ^ Math.imul(index, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) ^ Math.imul(term, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13), 0x27d4eb2f) ^ fp;
  return (h ^ (h >>> 16)) >>> 0;
}

export class StateMachine {
  applied = 0;
  hash = 0;
  /** Voters as the applied log defines them (validated the same way on every node). */
  voters: string[] = [];

  apply(e: Entry): void {
    this.applied = e.index;
    this.hash = rollHash(this.hash, e.index, e.term, fingerprint(e));
  }

  encode(): Uint8Array {
    const out = new Uint8Array(12);
    const v = new DataView(out.buffer);
    v.setFloat64(0, this.applied, true);
    v.setUint32(8, this.hash, true);
    return out;
  }

  /** Rebuilds from a snapshot's data and its membership. */
  static decode(data: Uint8Array, voters: readonly string[]): StateMachine {
    const sm = new StateMachine();
    if (data.length >= 12) {
      const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
      sm.applied = v.getFloat64(0, true);
      sm.hash = v.getUint32(8, true);
    }
    sm.voters = voters.slice();
    return sm;
  }
}
