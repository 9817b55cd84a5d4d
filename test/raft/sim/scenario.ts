// The fault mix of one run, drawn from its seed ("swarm testing"): each run turns some
// faults up, others off, and picks its own raft settings, so that the seeds together
// cover combinations no single fixed mix would reach.
import type { NodeParams } from './node.js';
import type { Prng } from '../../../src/pkg/prng.js';

/** The fault mix of one run, drawn from its seed. */
export interface Scenario {
  params: NodeParams;
  crashRate: number;
  readyCrashRate: number;
  /** Propose membership changes without waiting for the previous one to apply. */
  impatientConf: boolean;
  /** Crashes aimed at the current leader. */
  leaderCrashRate: number;
  partitionRate: number;
  /** A node stops (GC pause, stalled disk) and later resumes with its queue intact. */
  pauseRate: number;
  confRate: number;
  snapshotRate: number;
  snapshotKeep: number;
  proposalRate: number;
  readRate: number;
  transferRate: number;
  maxDelays: number[];
}

export function drawScenario(rng: Prng, countStaleVotes: boolean): Scenario {
  const crashRate = rng.pick([0, 0.003, 0.01, 0.03]);
  const electionTick = rng.pick([5, 10, 10, 20]);
  return {
    params: {
      electionTick,
      heartbeatTick: electionTick >= 10 ? rng.pick([1, 1, 2, 3]) : 1,
      maxSizePerMsg: rng.pick([64, 1024, 1 << 20]),
      maxInflightMsgs: rng.pick([1, 4, 256]),
      maxUncommittedEntriesSize: rng.pick([0, 0, 4096]),
      checkQuorum: rng.chance(0.5),
      preVote: rng.chance(0.5),
      countStaleVotes,
    },
    crashRate,
    readyCrashRate: crashRate / 4,
    partitionRate: rng.pick([0, 0.005, 0.02, 0.05]),
    pauseRate: rng.pick([0, 0.005, 0.02]),
    confRate: rng.pick([0, 0.01, 0.03]),
    snapshotRate: rng.pick([0.002, 0.02, 0.1]),
    snapshotKeep: rng.pick([0, 3, 20]),
    proposalRate: rng.pick([0.1, 0.5, 2]),
    readRate: rng.pick([0, 0.05]),
    transferRate: rng.pick([0, 0.005, 0.02]),
    maxDelays: rng.chance(0.5) ? [0, 1] : [0, 1, 3, 10],
    leaderCrashRate: rng.pick([0, 0, 0.01, 0.03]),
    impatientConf: rng.chance(0.3),
  };
}
