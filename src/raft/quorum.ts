// Majority arithmetic over the voters (etcd's quorum.MajorityConfig), without joint
// configurations: membership changes are one at a time.

export enum VoteResult {
  Pending = 0,
  Lost = 1,
  Won = 2,
}

/** Compares hex node IDs numerically (no leading zeros: shorter is smaller). */
export function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function majority(n: number): number {
  return (n >> 1) + 1;
}

/**
 * The largest index acknowledged by a majority, given each voter's acknowledged index in
 * `acked` (sorted in place). An empty configuration commits everything (as etcd).
 */
export function committedIndex(acked: number[], n: number): number {
  if (n === 0) return Number.MAX_SAFE_INTEGER;
  // Insertion sort, descending: n is tiny and this avoids allocating.
  for (let i = 1; i < n; i++) {
    const v = acked[i]!;
    let j = i - 1;
    while (j >= 0 && acked[j]! < v) {
      acked[j + 1] = acked[j]!;
      j--;
    }
    acked[j + 1] = v;
  }
  return acked[majority(n) - 1]!;
}

/** Outcome of an election given granted / rejected counts among n voters. */
export function voteResult(granted: number, rejected: number, n: number): VoteResult {
  if (n === 0) return VoteResult.Won;
  const q = majority(n);
  if (granted >= q) return VoteResult.Won;
  if (n - rejected >= q) return VoteResult.Pending;
  return VoteResult.Lost;
}
