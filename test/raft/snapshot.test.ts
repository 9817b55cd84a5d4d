// Snapshots in raft: restoring one, sending one to a lagging follower, and the flow
// control around it (after etcd's raft_test.go).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProgressState } from '../../src/raft/progress.js';
import type { Raft } from '../../src/raft/raft.js';
import { restore } from '../../src/raft/step-follower.js';
import { MessageType, StateType } from '../../src/raft/types.js';
import {
  ent,
  hup,
  ids,
  msg,
  newTestRaft,
  nextEnts,
  persist,
  prop,
  RaftNet,
  readMessages,
  snapshotAt,
  storageWith,
  snapshotApplied,
} from './harness.js';

/** Leader 1 of two, restored from a snapshot at 11: node 2 can only catch up by one. */
function leaderFromSnapshot(): Raft {
  const r = newTestRaft('1', 10, 1, storageWith(['1']));
  restore(r, snapshotAt(11, 11, ['1', '2']));
  r.becomeCandidate();
  r.becomeLeader();
  readMessages(r);
  return r;
}

describe('snapshots', () => {
  test('restore installs a newer snapshot and its configuration', () => {
    const r = newTestRaft('1', 10, 1, storageWith(['1', '2']));
    const s = snapshotAt(11, 11, ids(3));
    assert.equal(restore(r, s), true);
    assert.equal(r.raftLog.lastIndex(), 11);
    assert.equal(r.raftLog.term(11), 11);
    assert.deepEqual(r.prs.voters, ids(3));
    assert.equal(restore(r, s), false);
    // It does not campaign before the snapshot is persisted.
    for (let i = 0; i < r.randomizedElectionTimeout; i++) r.tick();
    assert.equal(r.state, StateType.Follower);
  });

  test('restore with learners', () => {
    const r = newTestRaft('3', 10, 1, storageWith(['1', '2']));
    assert.equal(restore(r, snapshotAt(11, 11, ['1', '2'], ['3'])), true);
    assert.deepEqual(r.prs.learners, ['3']);
    assert.equal(r.isLearner, true);
    assert.equal(r.promotable(), false);
  });

  test('an old snapshot is ignored; a matching one only fast-forwards commit', () => {
    const r = newTestRaft('1', 10, 1, storageWith(['1', '2']));
    r.raftLog.append([ent(1, 1), ent(2, 1), ent(3, 1)]);
    r.raftLog.commitTo(1);
    assert.equal(restore(r, snapshotAt(1, 1, ['1', '2'])), false);
    assert.equal(r.raftLog.committed, 1);
    assert.equal(restore(r, snapshotAt(2, 1, ['1', '2'])), false);
    assert.equal(r.raftLog.committed, 2);
  });

  test('the leader sends a snapshot when the needed entries are compacted', () => {
    const r = leaderFromSnapshot();
    const p = r.prs.progress.get('2')!;
    p.next = r.raftLog.firstIndex();
    r.step(msg({ type: MessageType.AppResp, from: '2', to: '1', index: p.next - 1, reject: true }));
    const ms = readMessages(r);
    assert.equal(ms.length, 1);
    assert.equal(ms[0]!.type, MessageType.Snap);
    assert.equal(p.state, ProgressState.Snapshot);
    // Paused: no resend while it is pending.
    r.step(prop('1'));
    assert.equal(readMessages(r).filter((m) => m.to === '2').length, 0);
  });

  test('no snapshot to a follower not recently active', () => {
    const r = leaderFromSnapshot();
    const p = r.prs.progress.get('2')!;
    p.next = r.raftLog.firstIndex() - 1;
    p.recentActive = false;
    r.step(prop('1'));
    assert.deepEqual(readMessages(r), []);
  });

  test('a follower restores from a snapshot message and follows its sender', () => {
    const r = newTestRaft('2', 10, 1, storageWith(['1', '2']));
    r.step(
      msg({
        type: MessageType.Snap,
        from: '1',
        to: '2',
        term: 2,
        snapshot: snapshotAt(11, 11, ['1', '2']),
      }),
    );
    assert.equal(r.lead, '1');
    const ms = readMessages(r);
    assert.deepEqual(
      ms.map((m) => [m.type, m.index]),
      [[MessageType.AppResp, 11]],
    );
  });

  for (const [name, report] of [
    ['reported ok', true],
    ['reported failed', false],
    ['timed out', null],
  ] as const) {
    test(`a pending snapshot is resent only after it is ${name}`, () => {
      const r = newTestRaft('1', 10, 1, storageWith(['1']));
      restore(r, snapshotAt(11, 11, ['1', '2']));
      r.becomeCandidate();
      r.becomeLeader();
      readMessages(r);
      const p = r.prs.progress.get('2')!;
      p.recentActive = true;
      p.next = 5;
      r.sendAppend('2');
      assert.equal(readMessages(r)[0]!.type, MessageType.Snap);
      // Heartbeats go on, snapshots are not repeated.
      for (let i = 0; i < 10; i++) r.tick();
      assert.equal(readMessages(r).filter((m) => m.type === MessageType.Snap).length, 0);
      if (report === null) {
        for (let i = 0; i < 10; i++) r.tick();
      } else {
        r.step(msg({ type: MessageType.SnapStatus, from: '2', to: '1', reject: !report }));
      }
      assert.equal(p.state, ProgressState.Probe);
      assert.equal(p.next, report === true ? 12 : 1);
      readMessages(r);
      // Probing resumes after the next heartbeat answer.
      r.step(msg({ type: MessageType.HeartbeatResp, from: '2', to: '1', term: r.term }));
      const again = readMessages(r);
      assert.equal(again.length, 1);
      assert.equal(again[0]!.type, report === true ? MessageType.App : MessageType.Snap);
    });
  }

  test('a slow node catches up from a snapshot of a compacted log', () => {
    const net = new RaftNet([null, null, null]);
    net.send(hup('1'));
    net.isolate('3');
    for (let j = 0; j <= 100; j++) net.send(prop('1'));
    const lead = net.raft('1');
    const s1 = net.storage.get('1')!;
    nextEnts(lead, s1);
    snapshotApplied(lead, s1);
    net.recover();
    for (let i = 0; i < 10 && !lead.prs.progress.get('3')!.recentActive; i++) {
      net.send(msg({ type: MessageType.Beat, from: '1', to: '1' }));
    }
    net.send(prop('1'));
    const f = net.raft('3');
    // The snapshot is in f's unstable log: persist it as its driver would.
    persist(f, net.storage.get('3')!);
    net.send(prop('1'));
    assert.equal(f.raftLog.committed, lead.raftLog.committed);
  });
});
