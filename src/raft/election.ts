// Elections (etcd's campaign, poll and stepCandidate): a node's campaigns with or without
// pre-vote, how any node answers a (pre-)vote request, and step() as a (pre-)candidate.
import { ProposalDroppedError } from './interface.js';
import { NO_LIMIT } from './log.js';
import { VoteResult } from './quorum.js';
import type { Raft } from './raft.js';
import { handleFromLeader } from './step-follower.js';
import type { Message, NodeId } from './types.js';
import { EntryType, MessageType, NONE, newMessage, StateType } from './types.js';

/** The context of a vote caused by a leader transfer: it overrides the leader lease. */
export const CAMPAIGN_TRANSFER = new Uint8Array(Buffer.from('CampaignTransfer'));

export enum CampaignType {
  PreElection = 0,
  Election = 1,
  Transfer = 2,
}

export function isTransferCtx(ctx: Uint8Array): boolean {
  if (ctx.length !== CAMPAIGN_TRANSFER.length) return false;
  for (let i = 0; i < ctx.length; i++) if (ctx[i] !== CAMPAIGN_TRANSFER[i]) return false;
  return true;
}

export function voteRespType(t: MessageType): MessageType {
  return t === MessageType.Vote ? MessageType.VoteResp : MessageType.PreVoteResp;
}

/** MsgHup: start an election unless a committed conf change is still unapplied. */
export function hup(r: Raft, t: CampaignType): void {
  if (r.state === StateType.Leader) return;
  if (!r.promotable()) return;
  const log = r.raftLog;
  if (log.committed > log.applied) {
    // Entries below firstIndex are inside a snapshot: nothing left to apply there.
    const lo = Math.max(log.applied + 1, log.firstIndex());
    const ents = lo > log.committed ? [] : log.slice(lo, log.committed + 1, NO_LIMIT);
    if (ents === null) throw new Error('unexpected error getting unapplied entries');
    for (const e of ents) if (e.type === EntryType.ConfChange) return;
  }
  campaign(r, t);
}

export function campaign(r: Raft, t: CampaignType): void {
  if (!r.promotable()) return;
  let term: number;
  let voteMsg: MessageType;
  if (t === CampaignType.PreElection) {
    r.becomePreCandidate();
    voteMsg = MessageType.PreVote;
    // Pre-votes are asked for the next term, without incrementing ours.
    term = r.term + 1;
  } else {
    r.becomeCandidate();
    voteMsg = MessageType.Vote;
    term = r.term;
  }
  if (poll(r, r.id, true) === VoteResult.Won) {
    // A single voter wins at once.
    if (t === CampaignType.PreElection) campaign(r, CampaignType.Election);
    else r.becomeLeader();
    return;
  }
  const lastIndex = r.raftLog.lastIndex();
  const lastTerm = r.raftLog.lastTerm();
  for (const id of r.prs.voters) {
    if (id === r.id) continue;
    const m = newMessage(voteMsg, id, r.id, term);
    m.index = lastIndex;
    m.logTerm = lastTerm;
    if (t === CampaignType.Transfer) m.context = CAMPAIGN_TRANSFER;
    r.send(m);
  }
}

function poll(r: Raft, id: NodeId, granted: boolean): VoteResult {
  r.prs.recordVote(id, granted);
  return r.prs.tallyVotes().result;
}

/** A (pre-)vote request, whatever our role: grant it or refuse it. */
export function handleVoteRequest(r: Raft, m: Message): void {
  // We can vote if this is a repeat of a vote we cast, or we have not voted and
  // know no leader in this term, or it is a pre-vote for a future term.
  const canVote =
    r.vote === m.from ||
    (r.vote === NONE && r.lead === NONE) ||
    (m.type === MessageType.PreVote && m.term > r.term);
  if (canVote && r.raftLog.isUpToDate(m.index, m.logTerm)) {
    // The response carries the term of the request: for a pre-vote that is the
    // future term, and the candidate ignores stale ones.
    r.send(newMessage(voteRespType(m.type), m.from, r.id, m.term));
    if (m.type === MessageType.Vote) {
      // Only record real votes; the hard state goes out in the same Ready, and the
      // driver persists it before it sends the response.
      r.electionElapsed = 0;
      r.vote = m.from;
    }
  } else {
    const resp = newMessage(voteRespType(m.type), m.from, r.id, r.term);
    resp.reject = true;
    r.send(resp);
  }
}

/** step() as a candidate or pre-candidate (etcd's stepCandidate). */
export function stepCandidate(r: Raft, m: Message): void {
  const myVoteResp =
    r.state === StateType.PreCandidate ? MessageType.PreVoteResp : MessageType.VoteResp;
  switch (m.type) {
    case MessageType.Prop:
      throw new ProposalDroppedError();
    case MessageType.App:
    case MessageType.Heartbeat:
    case MessageType.Snap:
      r.becomeFollower(m.term, m.from);
      handleFromLeader(r, m);
      return;
    case myVoteResp: {
      const res = poll(r, m.from, !m.reject);
      if (res === VoteResult.Won) {
        if (r.state === StateType.PreCandidate) {
          campaign(r, CampaignType.Election);
        } else {
          r.becomeLeader();
          r.bcastAppend();
        }
      } else if (res === VoteResult.Lost) {
        // A pre-vote response carries a future term: keep ours.
        r.becomeFollower(r.term, NONE);
      }
      return;
    }
    default:
      return;
  }
}

/**
 * The transport found the leader's process gone (its peer port refuses connections), a
 * surer sign than silence: forget it and campaign within a few ticks rather than after a
 * whole election timeout. Only with pre-vote and check-quorum, where an early campaign
 * cannot disrupt a leader that is alive after all: a peer that still hears from it
 * holds its lease and refuses the pre-vote, and its next heartbeat restores `lead` here.
 * The survivors all hear the news at once, so they take turns, two ticks apart in the
 * order of their IDs (ticks are not in step: one apart could still collide and split
 * the vote, which would cost a whole election timeout).
 */
export function leaderGone(r: Raft, id: NodeId): void {
  if (r.state !== StateType.Follower || r.lead !== id || id === NONE) return;
  if (!r.preVote || !r.checkQuorum || !r.promotable()) return;
  r.lead = NONE;
  const turn = r.prs.voters
    .filter((v) => v !== id)
    .sort()
    .indexOf(r.id);
  const ticks = 1 + 2 * Math.max(0, turn);
  r.electionElapsed = Math.max(r.electionElapsed, r.randomizedElectionTimeout - ticks);
}
