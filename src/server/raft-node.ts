// The member's raft node: etcd 2's settings, with raft's election jitter drawn from a
// seeded PRNG (raft itself takes no randomness).
import { Prng } from '../pkg/prng.js';
import { RawNode } from '../raft/rawnode.js';
import type { MemoryStorage } from '../raft/storage.js';
import type { NodeId } from '../raft/types.js';

const MAX_SIZE_PER_MSG = 1024 * 1024;
const MAX_INFLIGHT_MSGS = 256;

export function createRaftNode(
  id: NodeId,
  electionTicks: number,
  storage: MemoryStorage,
  applied: number,
  seed: number,
): RawNode {
  const prng = new Prng((Number.parseInt(id.slice(-8) || '1', 16) ^ seed) >>> 0);
  return new RawNode({
    id,
    electionTick: electionTicks,
    heartbeatTick: 1,
    storage,
    applied,
    maxSizePerMsg: MAX_SIZE_PER_MSG,
    maxInflightMsgs: MAX_INFLIGHT_MSGS,
    checkQuorum: true,
    preVote: true,
    random: () => prng.next(),
  });
}
