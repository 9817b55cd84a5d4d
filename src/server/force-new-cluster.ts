// --force-new-cluster (etcd's restore path): keep the data, drop every other member.
// Committed ConfChange(RemoveNode) entries for every other voter are appended to the log,
// so that replaying it leaves this member alone; it then elects itself. A member that is
// not a voter (a copy made by `etcdctl backup` has a new member ID) first adds itself, as
// etcd's createConfigChangeEnts, with its member context so /v2/members lists it. Unlike etcd, the
// entries past the local commit index are kept (and so committed): this member may not
// have heard of the commit of a write the cluster acknowledged, and the cluster is gone.
import { decodeConfChange, encodeConfChange } from '../raft/codec.js';
import {
  ConfChangeType,
  EMPTY_BYTES,
  type Entry,
  EntryType,
  type HardState,
  type Snapshot,
} from '../raft/types.js';

export function forceNewClusterEntries(
  self: string,
  snapshot: Snapshot | null,
  hardState: HardState,
  entries: Entry[],
  selfContext: Uint8Array = EMPTY_BYTES,
): { entries: Entry[]; added: Entry[]; hardState: HardState } {
  const kept = entries;
  const voters = new Set<string>(snapshot ? snapshot.metadata.confState.voters : []);
  if (snapshot) for (const id of snapshot.metadata.confState.learners) voters.add(id);
  for (const e of kept) {
    if (e.type !== EntryType.ConfChange) continue;
    const cc = decodeConfChange(e.data);
    if (cc.type === ConfChangeType.RemoveNode) voters.delete(cc.nodeId);
    else if (cc.type === ConfChangeType.AddNode || cc.type === ConfChangeType.AddLearnerNode) {
      voters.add(cc.nodeId);
    }
  }
  let index = kept.length > 0 ? kept[kept.length - 1]!.index : (snapshot?.metadata.index ?? 0);
  if (index < hardState.commit) index = hardState.commit;
  const added: Entry[] = [];
  // Added before the others are removed: the configuration is never empty.
  if (!voters.has(self)) {
    added.push(confEntry(hardState.term, ++index, ConfChangeType.AddNode, self, selfContext));
  }
  for (const id of [...voters].sort()) {
    if (id === self) continue;
    added.push(confEntry(hardState.term, ++index, ConfChangeType.RemoveNode, id, EMPTY_BYTES));
  }
  return {
    entries: kept.concat(added),
    added,
    hardState: { term: hardState.term, vote: hardState.vote, commit: index },
  };
}

function confEntry(
  term: number,
  index: number,
  type: ConfChangeType,
  nodeId: string,
  context: Uint8Array,
): Entry {
  return {
    term,
    index,
    type: EntryType.ConfChange,
    data: encodeConfChange({ id: '', type, nodeId, context }),
  };
}
