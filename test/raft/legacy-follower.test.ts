// Our leader beside an etcd 2.0.13 follower (issue 13). 2.0's follower compacts its log at
// each snapshot, reads the term of a compacted index as 0, and answers a rejected append
// only with its last index: an append below its snapshot is rejected with no clue, so a
// leader that keeps catch-up entries walks its probe down one index at a time, reaches
// index 0 (term 0, which "matches") and the follower panics ("entry 1 conflict with
// committed entry"). With legacyFollowers on, the leader never appends below its own latest
// snapshot, as 2.0's leader (whose log starts there) never can; it sends the snapshot.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Raft } from '../../src/raft/raft.js';
import { ProgressState } from '../../src/raft/progress.js';
import type { MemoryStorage } from '../../src/raft/storage.js';
import { type Message, MessageType, StateType } from '../../src/raft/types.js';
import { msg, newTestRaft, readMessages, storageWithTerms } from './harness.js';

const VOTERS = ['1', '2', '3'];

/** etcd 2.0.13's follower side, as far as appends, snapshots and heartbeats go. */
class Go20Follower {
  /** Terms of entries dummy+1..last; terms[0] is the dummy entry's (the snapshot's). */
  private terms: number[];
  private dummy: number;
  committed: number;
  readonly log: string[] = [];

  constructor(
    dummy: number,
    dummyTerm: number,
    committed: number,
    tail: number[],
    readonly id = '2',
  ) {
    this.dummy = dummy;
    this.terms = [dummyTerm, ...tail];
    this.committed = committed;
  }

  get lastIndex(): number {
    return this.dummy + this.terms.length - 1;
  }

  /** 2.0's raftLog.term: 0 outside [dummy, last]. */
  term(i: number): number {
    if (i < this.dummy || i > this.lastIndex) return 0;
    return this.terms[i - this.dummy]!;
  }

  step(m: Message): Message[] {
    const reply = (p: Partial<Message>) =>
      msg({ type: MessageType.AppResp, from: this.id, to: m.from, term: m.term, ...p });
    switch (m.type) {
      case MessageType.App: {
        if (this.term(m.index) !== m.logTerm) {
          this.log.push(`rejected ${m.index}`);
          return [reply({ index: m.index, reject: true, rejectHint: this.lastIndex })];
        }
        for (const e of m.entries) {
          if (this.term(e.index) === e.term) continue;
          if (e.index <= this.committed) {
            throw new Error(
              `panic: entry ${e.index} conflict with committed entry [committed(${this.committed})]`,
            );
          }
          // Truncate and append from the conflict on.
          this.terms.length = e.index - this.dummy;
          for (const f of m.entries) if (f.index >= e.index) this.terms.push(f.term);
          break;
        }
        const lastNew = m.index + m.entries.length;
        this.committed = Math.max(this.committed, Math.min(m.commit, lastNew));
        return [reply({ index: lastNew })];
      }
      case MessageType.Snap: {
        const { index, term } = m.snapshot!.metadata;
        if (index <= this.committed) {
          this.log.push(`ignored snapshot ${index}`);
          return [reply({ index: this.committed })];
        }
        if (this.term(index) === term) {
          this.committed = index;
          return [reply({ index: this.committed })];
        }
        this.log.push(`restored snapshot ${index}`);
        this.dummy = index;
        this.terms = [term];
        this.committed = index;
        return [reply({ index })];
      }
      case MessageType.Heartbeat:
        this.committed = Math.max(this.committed, Math.min(m.commit, this.lastIndex));
        return [msg({ type: MessageType.HeartbeatResp, from: this.id, to: m.from, term: m.term })];
      default:
        return [];
    }
  }
}

/**
 * Leader '1' of term 4 over a log of `n` entries (terms: 2 up to 564, 3 after), which keeps
 * catch-up entries: its snapshot (at `snapAt`, 0 for none) compacts nothing.
 */
function leaderWithLog(n: number, snapAt: number, legacy: boolean): [Raft, MemoryStorage] {
  const terms = Array.from({ length: n }, (_, i) => (i + 1 <= 564 ? 2 : 3));
  const s = storageWithTerms(terms, VOTERS);
  s.setHardState({ term: 3, vote: '1', commit: n });
  if (snapAt > 0) s.createSnapshot(snapAt, null, new Uint8Array([1]));
  const r = newTestRaft('1', 10, 1, s, { applied: n });
  r.setFeatures({ preVote: false, checkQuorum: false, transfer: false, legacyFollowers: legacy });
  r.becomeCandidate();
  r.becomeLeader();
  readMessages(r);
  return [r, s];
}

/**
 * Runs leader and follower until the follower holds the leader's log (or `rounds` pass),
 * with a heartbeat whenever nothing else is under way.
 */
function run(r: Raft, f: Go20Follower, rounds = 2000): Message[] {
  const sent: Message[] = [];
  for (let round = 0; round < rounds; round++) {
    const out = readMessages(r).filter((m) => m.to === f.id);
    for (const m of out) {
      sent.push(m);
      for (const resp of f.step(m)) r.step(resp);
      if (m.type === MessageType.Snap) r.step(msg({ type: MessageType.SnapStatus, from: f.id }));
    }
    if (f.lastIndex === r.raftLog.lastIndex() && f.committed === r.raftLog.committed) break;
    if (out.length === 0) r.step(msg({ type: MessageType.Beat, from: '1', to: '1' }));
  }
  return sent;
}

/**
 * The state the mixed cluster reached: follower 2 probed at `next` with nothing matched
 * (its answer to an earlier probe was lost, and it compacted before a duplicate arrived).
 */
function probeAt(r: Raft, next: number): void {
  const pr = r.prs.progress.get('2')!;
  pr.becomeProbe();
  pr.match = 0;
  pr.next = next;
  r.sendAppend('2');
}

describe('an etcd 2.0 follower that compacted its log', () => {
  test('the stale-probe walk-down ends in the leader snapshot, never in an append from index 0', () => {
    // The follower restarted, caught up to 574 and compacted at 573; the leader (snapshot at
    // 600, entries from 1 kept) re-probes 565 (an answer was lost): 564 < 573 is rejected.
    const [r] = leaderWithLog(615, 600, true);
    const f = new Go20Follower(573, 3, 573, [3]);
    probeAt(r, 565);
    const sent = run(r, f);
    assert.ok(
      sent.every((m) => m.type !== MessageType.App || m.index >= 600),
      'no append below the leader snapshot',
    );
    assert.ok(f.log.includes('restored snapshot 600'), f.log.slice(-3).join('; '));
    assert.equal(f.lastIndex, r.raftLog.lastIndex());
    assert.equal(r.prs.progress.get('2')!.state, ProgressState.Replicate);
  });

  test('a follower snapshot newer than the leader one: the snapshot tells the leader its commit', () => {
    const [r] = leaderWithLog(615, 500, true);
    const f = new Go20Follower(573, 3, 573, [3]);
    probeAt(r, 565);
    const sent = run(r, f);
    assert.ok(sent.every((m) => m.type !== MessageType.App || m.index >= 500));
    assert.ok(f.log.includes('ignored snapshot 500'), f.log.slice(-3).join('; '));
    assert.equal(f.lastIndex, r.raftLog.lastIndex());
  });

  test('a leader with no snapshot yet holds back rather than append from index 0', () => {
    const [r, s] = leaderWithLog(40, 0, true);
    const f = new Go20Follower(30, 2, 30, []);
    probeAt(r, 25);
    let sent = run(r, f, 300);
    assert.ok(sent.length > 0);
    assert.ok(
      sent.every((m) => m.type !== MessageType.App || m.index >= 1),
      'no append at 0',
    );
    assert.equal(r.state, StateType.Leader);
    // Once it has a snapshot, it sends it.
    s.createSnapshot(35, null, new Uint8Array([1]));
    sent = run(r, f);
    assert.ok(sent.some((m) => m.type === MessageType.Snap));
    assert.equal(f.lastIndex, r.raftLog.lastIndex());
  });

  test('an empty 2.0 follower (just added) still gets the log from index 1 without a snapshot', () => {
    const [r] = leaderWithLog(20, 0, true);
    const f = new Go20Follower(0, 0, 0, []);
    const sent = run(r, f);
    assert.ok(sent.some((m) => m.type === MessageType.App && m.index === 0));
    assert.equal(f.lastIndex, r.raftLog.lastIndex());
  });

  test('without legacyFollowers (all ours) the leader keeps sending catch-up entries', () => {
    const [r] = leaderWithLog(615, 600, false);
    probeAt(r, 565);
    const out = readMessages(r);
    assert.equal(out.length, 1);
    assert.equal(out[0]!.type, MessageType.App);
    assert.equal(out[0]!.index, 564);
  });
});
