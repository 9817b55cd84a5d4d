// A directory's children in Go's key order, as each snapshot writes them. Sorting a large
// directory afresh every snapshot cost more than the rest of its JSON (each comparison
// reads two keys scattered over the heap), and most children are those of the last
// snapshot: the last order is kept, and only the children added since are sorted and
// merged in. A directory's Set keeps insertion order and a node never returns to a Set
// it left (a key set again is either the same node in place or a new node), so "added
// since" is what follows the last child seen then.
import { compareKeys, sortByKey } from './event.js';
import type { Node } from './node.js';

/** Below this many children a plain sort is cheap and nothing is kept. */
const KEEP_FROM = 1024;

interface Order {
  /** The Set the order was taken of (a directory's Set is never replaced; checked anyway). */
  set: Set<Node>;
  sorted: Node[];
  /** The last child in the Set's order then. */
  last: Node;
}

/**
 * Kept per directory until it is gone. A child deleted since is held here until the next
 * snapshot: memory bounded by one snapshot interval's deletions.
 */
const orders = new WeakMap<Node, Order>();

/** `dir`'s children sorted by key in Go's order (kept for next time: not to be changed). */
export function sortedChildren(dir: Node, keepFrom = KEEP_FROM): Node[] {
  const set = dir.children!;
  const prev = orders.get(dir);
  const update = prev !== undefined && prev.set === set ? updated(prev, set) : null;
  let sorted: Node[];
  let last: Node | undefined;
  if (update !== null) {
    ({ sorted, last } = update);
  } else {
    sorted = [...set];
    last = sorted[sorted.length - 1];
    sortByKey(sorted);
  }
  if (last !== undefined && sorted.length >= keepFrom) orders.set(dir, { set, sorted, last });
  else orders.delete(dir);
  return sorted;
}

/** The kept order brought up to date, or null if it cannot be (its last child is gone). */
function updated(prev: Order, set: Set<Node>): { sorted: Node[]; last: Node } | null {
  const added: Node[] = [];
  let seen = false;
  let last = prev.last;
  for (const c of set) {
    if (seen) added.push(c);
    else seen = c === prev.last;
    last = c;
  }
  if (!seen) return null;
  // Nothing removed when the Set holds exactly the kept children plus the added ones.
  const kept =
    set.size === prev.sorted.length + added.length
      ? prev.sorted
      : prev.sorted.filter((c) => set.has(c));
  if (added.length === 0) return { sorted: kept, last };
  sortByKey(added);
  return { sorted: merge(kept, added), last };
}

function merge(a: Node[], b: Node[]): Node[] {
  const out = new Array<Node>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) {
    out[k++] = compareKeys(a[i]!.key, b[j]!.key) <= 0 ? a[i++]! : b[j++]!;
  }
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}
