// Replication, flow control (probe / replicate / snapshot), commit and snapshots
// (after etcd's raft_test.go).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProgressState } from '../../src/raft/progress.js';
import type { Raft } from '../../src/raft/raft.js';
import { MemoryStorage } from '../../src/raft/storage.js';
import { handleAppendEntries, handleHeartbeat, restore } from '../../src/raft/step-follower.js';
import { type Entry, type Message, MessageType, NONE, StateType } from '../../src/raft/types.js';
import {
  ent,
  hup,
  ids,
  logTerms,
  msg,
  newTestRaft,
  persist,
  prop,
  RaftNet,
  raftOf,
  readMessages,
  snapshotAt,
  storageWith,
  storageWithTerms,
} from './harness.js';

function leaderOf(voters: string[], s = storageWith(voters)): Raft {
  const r = newTestRaft('1', 10, 1, s);
  r.becomeCandidate();
  r.becomeLeader();
  return r;
}

/** Persists the unstable log and applies what is committed (etcd's nextEnts). */
function nextEnts(r: Raft, s: MemoryStorage): Entry[] {
  persist(r, s);
  const ents = r.raftLog.nextEnts();
  r.raftLog.appliedTo(r.raftLog.committed);
  return ents;
}

describe('log replication', () => {
  test('entries replicate and commit on every node, across leader changes', () => {
    const net = new RaftNet([null, null, null]);
    net.send(hup('1'));
    net.send(prop('1', 'a'));
    net.send(hup('2'));
    net.send(prop('1', 'b')); // forwarded by 1, now a follower
    for (const r of net.peers.values()) {
      assert.equal(r!.raftLog.committed, 4);
      const data = r!.raftLog
        .allEntries()
        .filter((e) => e.data.length)
        .map((e) => Buffer.from(e.data).toString());
      assert.deepEqual(data, ['a', 'b']);
    }
  });

  test('a single node commits alone', () => {
    const net = new RaftNet([null]);
    net.send(hup('1'));
    net.send(prop('1'));
    net.send(prop('1'));
    assert.equal(net.raft('1').raftLog.committed, 3);
  });

  test("a new leader overwrites a deposed leader's uncommitted entries", () => {
    const net = new RaftNet([null, null, null, null, null]);
    net.send(hup('1'));
    // 1 cannot reach anyone: its proposals stay uncommitted.
    for (const id of ['2', '3', '4', '5']) net.cut('1', id);
    net.send(prop('1'));
    net.send(prop('1'));
    const r1 = net.raft('1');
    assert.equal(r1.raftLog.committed, 1);
    assert.equal(r1.raftLog.lastIndex(), 3);
    net.recover();
    net.send(hup('2'));
    net.send(prop('2'));
    assert.equal(net.raft('2').raftLog.committed, 3);
    assert.deepEqual(logTerms(r1), [
      [1, 1],
      [2, 2],
      [3, 2],
    ]);
  });

  // [matches, log terms, leader term, want committed]
  const commitTable: Array<[number[], number[], number, number]> = [
    [[1], [1], 1, 1],
    [[1], [1], 2, 0],
    [[2], [1, 2], 2, 2],
    [[1], [2], 2, 1],
    [[2, 1, 1], [1, 2], 1, 1],
    [[2, 1, 1], [1, 1], 2, 0],
    [[2, 1, 2], [1, 2], 2, 2],
    [[2, 1, 2], [1, 1], 2, 0],
    [[2, 1, 1, 1], [1, 2], 1, 1],
    [[2, 1, 1, 1], [1, 1], 2, 0],
    [[2, 1, 1, 2], [1, 2], 1, 1],
    [[2, 1, 1, 2], [1, 1], 2, 0],
    [[2, 1, 2, 2], [1, 2], 2, 2],
    [[2, 1, 2, 2], [1, 1], 2, 0],
  ];
  for (const [matches, terms, term, want] of commitTable) {
    test(`commit is the quorum match of the current term: matches ${matches}, log ${terms}, term ${term}`, () => {
      const s = storageWithTerms(terms, ['1']);
      s.setHardState({ term, vote: NONE, commit: 0 });
      const r = newTestRaft('1', 10, 2, s);
      matches.forEach((m, j) => {
        const id = String(j + 1);
        if (id !== '1')
          r.applyConfChange({ id: '', type: 0, nodeId: id, context: new Uint8Array(0) });
        const pr = r.prs.progress.get(id)!;
        pr.match = m;
        pr.next = m + 1;
      });
      r.maybeCommit();
      assert.equal(r.raftLog.committed, want);
    });
  }

  // [m, wIndex, wCommit, wReject]; log (1,1),(2,2), follower at term 2
  const handleApp: Array<[Partial<Message>, number, number, boolean]> = [
    [{ term: 2, logTerm: 3, index: 2, commit: 3 }, 2, 0, true], // previous mismatch
    [{ term: 2, logTerm: 3, index: 3, commit: 3 }, 2, 0, true], // previous missing
    [{ term: 2, logTerm: 1, index: 1, commit: 1 }, 2, 1, false],
    [{ term: 2, logTerm: 0, index: 0, commit: 1, entries: [ent(1, 2)] }, 1, 1, false],
    [{ term: 2, logTerm: 2, index: 2, commit: 3, entries: [ent(3, 2), ent(4, 2)] }, 4, 3, false],
    [{ term: 2, logTerm: 2, index: 2, commit: 4, entries: [ent(3, 2)] }, 3, 3, false],
    [{ term: 2, logTerm: 1, index: 1, commit: 4, entries: [ent(2, 2)] }, 2, 2, false],
    [{ term: 1, logTerm: 1, index: 1, commit: 3 }, 2, 1, false], // commit up to last new entry
    [{ term: 1, logTerm: 1, index: 1, commit: 3, entries: [ent(2, 2)] }, 2, 2, false],
    [{ term: 2, logTerm: 2, index: 2, commit: 3 }, 2, 2, false],
    [{ term: 2, logTerm: 2, index: 2, commit: 4 }, 2, 2, false], // commit up to lastIndex
  ];
  handleApp.forEach(([m, wIndex, wCommit, wReject], i) => {
    test(`handleAppendEntries case ${i}`, () => {
      const r = newTestRaft('1', 10, 1, storageWithTerms([1, 2], ['1']));
      r.becomeFollower(2, NONE);
      handleAppendEntries(r, msg({ type: MessageType.App, ...m }));
      assert.equal(r.raftLog.lastIndex(), wIndex);
      assert.equal(r.raftLog.committed, wCommit);
      const ms = readMessages(r);
      assert.equal(ms.length, 1);
      assert.equal(ms[0]!.reject, wReject);
    });
  });

  for (const [commit, want] of [
    [3, 3],
    [1, 2],
  ]) {
    test(`a heartbeat carries commit and never decreases it (heartbeat commit ${commit})`, () => {
      const r = newTestRaft('1', 5, 1, storageWithTerms([1, 2, 3], ['1', '2']));
      r.becomeFollower(2, '2');
      r.raftLog.commitTo(2);
      handleHeartbeat(
        r,
        msg({ type: MessageType.Heartbeat, from: '2', to: '1', term: 2, commit: commit! }),
      );
      assert.equal(r.raftLog.committed, want);
      const ms = readMessages(r);
      assert.equal(ms.length, 1);
      assert.equal(ms[0]!.type, MessageType.HeartbeatResp);
    });
  }

  test('the leader never tells a follower to commit past its match', () => {
    const s = new MemoryStorage();
    s.applySnapshot(snapshotAt(1000, 1, ids(3)));
    const r = newTestRaft('1', 10, 1, s);
    r.term = 1;
    r.becomeCandidate();
    r.becomeLeader();
    for (let i = 0; i < 10; i++) r.appendEntry([ent(0, 0)]);
    r.prs.progress.get('2')!.match = 5;
    r.prs.progress.get('2')!.next = 6;
    const p3 = r.prs.progress.get('3')!;
    p3.match = r.raftLog.lastIndex();
    p3.next = p3.match + 1;
    r.raftLog.commitTo(1008);
    r.step(msg({ type: MessageType.Beat }));
    const ms = readMessages(r).sort((a, b) => Number(a.to) - Number(b.to));
    assert.deepEqual(
      ms.map((m) => [m.to, m.type, m.commit, m.entries.length]),
      [
        ['2', MessageType.Heartbeat, 5, 0],
        ['3', MessageType.Heartbeat, 1008, 0],
      ],
    );
  });

  test('only the leader sends heartbeats on MsgBeat', () => {
    for (const [state, want] of [
      [StateType.Leader, 2],
      [StateType.Candidate, 0],
      [StateType.Follower, 0],
    ] as const) {
      const r = newTestRaft('1', 10, 1, storageWithTerms([0, 1], ids(3)));
      r.term = 1;
      r.state = state;
      r.step(msg({ type: MessageType.Beat, from: '1', to: '1' }));
      const hb = readMessages(r).filter((m) => m.type === MessageType.Heartbeat);
      assert.equal(hb.length, want, StateType[state]);
    }
  });

  test('a heartbeat response resends appends until the follower acks them', () => {
    const r = leaderOf(['1', '2'], storageWithTerms([1, 2, 3], ['1', '2']));
    r.raftLog.commitTo(r.raftLog.lastIndex());
    r.step(msg({ type: MessageType.HeartbeatResp, from: '2' }));
    let ms = readMessages(r);
    assert.equal(ms.length, 1);
    assert.equal(ms[0]!.type, MessageType.App);
    r.step(msg({ type: MessageType.HeartbeatResp, from: '2' }));
    ms = readMessages(r);
    assert.equal(ms.length, 1);
    assert.equal(ms[0]!.type, MessageType.App);
    r.step(
      msg({ type: MessageType.AppResp, from: '2', index: ms[0]!.index + ms[0]!.entries.length }),
    );
    readMessages(r);
    r.step(msg({ type: MessageType.HeartbeatResp, from: '2' }));
    assert.deepEqual(readMessages(r), []);
  });

  test('a follower waiting on a probe is not sent new entries', () => {
    const r = leaderOf(ids(3));
    r.bcastAppend();
    readMessages(r);
    r.step(msg({ type: MessageType.AppResp, from: '2', index: 1 }));
    assert.equal(r.raftLog.committed, 1);
    readMessages(r);
    r.step(msg({ type: MessageType.Prop, from: '1', entries: [ent(0, 0)] }));
    let ms = readMessages(r);
    assert.deepEqual(
      ms.map((m) => [m.to, m.type, m.entries.map((e) => e.index)]),
      [['2', MessageType.App, [2]]],
    );
    r.step(msg({ type: MessageType.AppResp, from: '3', index: 1 }));
    ms = readMessages(r);
    assert.deepEqual(
      ms.map((m) => [m.to, m.type, m.entries.map((e) => e.index)]),
      [['3', MessageType.App, [2]]],
    );
  });

  // [index, reject, wmatch, wnext, wmsgNum, windex, wcommitted]
  const appResp: Array<[number, boolean, number, number, number, number, number]> = [
    [3, true, 0, 3, 0, 0, 0], // stale rejection
    [2, true, 0, 2, 1, 1, 0], // rejection: back off and probe
    [2, false, 2, 4, 2, 2, 2], // accepted: commit and broadcast
    [0, false, 0, 3, 0, 0, 0], // heartbeat-like reply: ignored
  ];
  for (const [index, reject, wmatch, wnext, wnum, windex, wcommit] of appResp) {
    test(`leader handles an append response (index ${index}, reject ${reject})`, () => {
      const s = storageWith(ids(3));
      s.append([ent(1, 0), ent(2, 1)]);
      const r = newTestRaft('1', 10, 1, s);
      r.becomeCandidate();
      r.becomeLeader();
      readMessages(r);
      r.step(
        msg({
          type: MessageType.AppResp,
          from: '2',
          index,
          term: r.term,
          reject,
          rejectHint: index,
        }),
      );
      const p = r.prs.progress.get('2')!;
      assert.equal(p.match, wmatch);
      assert.equal(p.next, wnext);
      const ms = readMessages(r);
      assert.equal(ms.length, wnum);
      for (const m of ms) {
        assert.equal(m.index, windex);
        assert.equal(m.commit, wcommit);
      }
    });
  }

  for (const [state, next, wnext] of [
    [ProgressState.Replicate, 2, 6],
    [ProgressState.Probe, 2, 2],
  ] as const) {
    test(`the leader advances next optimistically only in replicate state (${ProgressState[state]})`, () => {
      const r = raftOf('1', ['1', '2']);
      r.raftLog.append([ent(1, 1), ent(2, 1), ent(3, 1)]);
      r.becomeCandidate();
      r.becomeLeader();
      const p = r.prs.progress.get('2')!;
      p.state = state;
      p.next = next;
      r.step(prop('1'));
      assert.equal(p.next, wnext);
    });
  }

  test('probe state sends one append per heartbeat round', () => {
    const r = leaderOf(['1', '2']);
    readMessages(r);
    r.prs.progress.get('2')!.becomeProbe();
    for (let i = 0; i < 3; i++) {
      if (i === 0) {
        r.appendEntry([ent(0, 0, 'somedata')]);
        r.sendAppend('2');
        const ms = readMessages(r);
        assert.equal(ms.length, 1);
        assert.equal(ms[0]!.index, 0);
      }
      assert.equal(r.prs.progress.get('2')!.probeSent, true);
      for (let j = 0; j < 10; j++) {
        r.appendEntry([ent(0, 0, 'somedata')]);
        r.sendAppend('2');
        assert.equal(readMessages(r).length, 0);
      }
      r.step(msg({ type: MessageType.Beat, from: '1', to: '1' }));
      const ms = readMessages(r);
      assert.equal(ms.length, 1);
      assert.equal(ms[0]!.type, MessageType.Heartbeat);
    }
    // A heartbeat response unpauses it: one more append.
    r.step(msg({ type: MessageType.HeartbeatResp, from: '2', to: '1' }));
    const ms = readMessages(r);
    assert.equal(ms.length, 1);
    assert.equal(ms[0]!.index, 0);
    assert.equal(r.prs.progress.get('2')!.probeSent, true);
  });

  test('replicate state pipelines appends without waiting', () => {
    const r = leaderOf(['1', '2']);
    readMessages(r);
    r.prs.progress.get('2')!.becomeReplicate();
    for (let i = 0; i < 10; i++) {
      r.appendEntry([ent(0, 0, 'somedata')]);
      r.sendAppend('2');
      assert.equal(readMessages(r).length, 1);
    }
  });

  test('the inflight window bounds appends in replicate state; acks reopen it', () => {
    const r = newTestRaft('1', 10, 1, storageWith(['1', '2']), { maxInflightMsgs: 3 });
    r.becomeCandidate();
    r.becomeLeader();
    readMessages(r);
    const p = r.prs.progress.get('2')!;
    p.becomeReplicate();
    for (let i = 0; i < 5; i++) {
      r.appendEntry([ent(0, 0, 'x')]);
      r.sendAppend('2');
    }
    const ms = readMessages(r);
    assert.equal(ms.length, 3);
    assert.equal(p.isPaused(), true);
    const acked = ms[0]!.entries[ms[0]!.entries.length - 1]!.index;
    r.step(msg({ type: MessageType.AppResp, from: '2', term: r.term, index: acked }));
    // One slot freed: the next append goes out, with everything pending.
    const more = readMessages(r).filter((m) => m.type === MessageType.App && m.entries.length);
    assert.equal(more.length, 1);
    assert.deepEqual(
      more[0]!.entries.map((e) => e.index),
      [5, 6],
    );
  });

  test('a full window frees one slot on a heartbeat response', () => {
    const r = newTestRaft('1', 10, 1, storageWith(['1', '2']), { maxInflightMsgs: 2 });
    r.becomeCandidate();
    r.becomeLeader();
    readMessages(r);
    const p = r.prs.progress.get('2')!;
    p.becomeReplicate();
    for (let i = 0; i < 3; i++) {
      r.appendEntry([ent(0, 0, 'x')]);
      r.sendAppend('2');
    }
    assert.equal(readMessages(r).length, 2);
    assert.equal(p.inflights.full(), true);
    r.step(msg({ type: MessageType.HeartbeatResp, from: '2', term: r.term }));
    // One slot freed and used again for the entry still unsent.
    assert.equal(readMessages(r).filter((m) => m.type === MessageType.App).length, 1);
    assert.equal(p.inflights.count, 2);
  });

  test('appends respect maxSizePerMsg', () => {
    const r = newTestRaft('1', 10, 1, storageWith(['1', '2']), { maxSizePerMsg: 10 });
    r.becomeCandidate();
    r.becomeLeader();
    readMessages(r);
    r.prs.progress.get('2')!.becomeReplicate();
    const es = Array.from({ length: 6 }, () => ent(0, 0, 'abcd'));
    r.step(msg({ type: MessageType.Prop, from: '1', entries: es }));
    while (r.maybeSendAppend('2', false)) {
      // drain the window
    }
    const ms = readMessages(r).filter((m) => m.type === MessageType.App);
    // 1 no-op + 6 * 4 bytes at 10 bytes per message.
    assert.ok(ms.length >= 3, `${ms.length} messages`);
    for (const m of ms) {
      const size = m.entries.reduce((n, e) => n + e.data.length, 0);
      assert.ok(size <= 10 || m.entries.length === 1);
    }
  });

  test('an unreachable follower in replicate state goes back to probe', () => {
    const r = leaderOf(['1', '2'], storageWithTerms([1, 1, 1], ['1', '2']));
    readMessages(r);
    const p = r.prs.progress.get('2')!;
    p.match = 3;
    p.becomeReplicate();
    p.optimisticUpdate(5);
    r.step(msg({ type: MessageType.Unreachable, from: '2', to: '1' }));
    assert.equal(p.state, ProgressState.Probe);
    assert.equal(p.next, p.match + 1);
  });

  test('fast back-off: a rejection hint skips a whole conflicting term', () => {
    // Leader log: terms 1..1 then 4 x term 2; follower: 1 then 7 x term 3 (longer).
    const leader = newTestRaft('1', 10, 1, storageWithTerms([1, 2, 2, 2, 2], ids(3)));
    leader.term = 5;
    leader.becomeCandidate();
    leader.becomeLeader();
    readMessages(leader);
    const f = newTestRaft('2', 10, 1, storageWithTerms([1, 3, 3, 3, 3, 3, 3, 3], ids(3)));
    f.becomeFollower(6, '1');
    const net = new RaftNet([leader, f, (id, v) => newTestRaft(id, 10, 1, storageWith(v))]);
    let probes = 0;
    net.msgHook = (m) => {
      if (m.type === MessageType.App && m.to === '2') probes++;
      return m.to !== '3';
    };
    net.send(prop('1', 'x'));
    net.send(msg({ type: MessageType.Beat, from: '1', to: '1' }));
    assert.deepEqual(logTerms(f), logTerms(leader));
    // Without hints this takes one probe per entry; with them only a few.
    assert.ok(probes <= 4, `${probes} appends`);
  });
});

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
    const r = newTestRaft('1', 10, 1, storageWith(['1']));
    restore(r, snapshotAt(11, 11, ['1', '2']));
    r.becomeCandidate();
    r.becomeLeader();
    readMessages(r);
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
    const r = newTestRaft('1', 10, 1, storageWith(['1']));
    restore(r, snapshotAt(11, 11, ['1', '2']));
    r.becomeCandidate();
    r.becomeLeader();
    readMessages(r);
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
    s1.createSnapshot(
      lead.raftLog.applied,
      { voters: lead.prs.voters, learners: [] },
      new Uint8Array(0),
    );
    s1.compact(lead.raftLog.applied);
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

describe('membership', () => {
  test('a conf change proposal records the pending index', () => {
    const r = leaderOf(['1', '2']);
    const index = r.raftLog.lastIndex();
    r.step(msg({ type: MessageType.Prop, from: '1', entries: [{ ...ent(0, 0), type: 1 }] }));
    assert.equal(r.raftLog.lastIndex(), index + 1);
    assert.equal(r.pendingConfIndex, index + 1);
  });

  test('a second conf change while one is pending becomes an empty normal entry', () => {
    const r = leaderOf(['1', '2']);
    r.step(msg({ type: MessageType.Prop, from: '1', entries: [{ ...ent(0, 0), type: 1 }] }));
    const index = r.raftLog.lastIndex();
    const pending = r.pendingConfIndex;
    r.step(msg({ type: MessageType.Prop, from: '1', entries: [{ ...ent(0, 0, 'cc'), type: 1 }] }));
    const es = r.raftLog.entries(index + 1, Number.MAX_SAFE_INTEGER)!;
    assert.deepEqual(
      es.map((e) => [e.index, e.term, e.type, e.data.length]),
      [[3, 1, 0, 0]],
    );
    assert.equal(r.pendingConfIndex, pending);
  });

  for (const [addEntry, want] of [
    [false, 0],
    [true, 1],
  ] as const) {
    test(`a new leader conservatively treats its log tail as a pending conf change (${addEntry})`, () => {
      const r = raftOf('1', ['1', '2']);
      if (addEntry) r.appendEntry([ent(0, 0)]);
      r.becomeCandidate();
      r.becomeLeader();
      assert.equal(r.pendingConfIndex, want);
    });
  }

  test('add node, add learner, promote learner, remove node', () => {
    const r = raftOf('1', ['1']);
    r.applyConfChange({ id: '', type: 0, nodeId: '2', context: new Uint8Array(0) });
    assert.deepEqual(r.prs.voters, ['1', '2']);
    r.applyConfChange({ id: '', type: 3, nodeId: '3', context: new Uint8Array(0) });
    assert.deepEqual(r.prs.learners, ['3']);
    assert.equal(r.prs.progress.get('3')!.isLearner, true);
    // A voter cannot be demoted to learner.
    r.applyConfChange({ id: '', type: 3, nodeId: '2', context: new Uint8Array(0) });
    assert.deepEqual(r.prs.voters, ['1', '2']);
    r.applyConfChange({ id: '', type: 0, nodeId: '3', context: new Uint8Array(0) });
    assert.deepEqual(r.prs.voters, ['1', '2', '3']);
    assert.deepEqual(r.prs.learners, []);
    const cs = r.applyConfChange({ id: '', type: 1, nodeId: '2', context: new Uint8Array(0) });
    assert.deepEqual(cs, { voters: ['1', '3'], learners: [] });
    // UpdateNode changes nothing in raft.
    assert.deepEqual(
      r.applyConfChange({ id: '', type: 2, nodeId: '3', context: new Uint8Array(0) }),
      cs,
    );
    r.applyConfChange({ id: '', type: 1, nodeId: '1', context: new Uint8Array(0) });
    assert.deepEqual(r.prs.voters, ['3']);
    assert.equal(r.promotable(), false);
  });

  for (const [voters, want] of [
    [['1'], true],
    [['1', '2', '3'], true],
    [[], false],
    [['2', '3'], false],
  ] as const) {
    test(`promotable with voters [${voters}] -> ${want}`, () => {
      assert.equal(raftOf('1', [...voters]).promotable(), want);
    });
  }

  test('a learner does not campaign and is not counted for commit', () => {
    const s = new MemoryStorage({ voters: ['1'], learners: ['2'] });
    const r1 = newTestRaft('1', 10, 1, s);
    const r2 = newTestRaft('2', 10, 1, new MemoryStorage({ voters: ['1'], learners: ['2'] }));
    const net = new RaftNet([r1, r2]);
    for (let i = 0; i < 30; i++) r2.tick();
    assert.equal(r2.state, StateType.Follower);
    assert.deepEqual(readMessages(r2), []);
    net.send(hup('1'));
    net.send(prop('1', 'x'));
    assert.equal(r1.state, StateType.Leader);
    assert.equal(r2.raftLog.committed, 2);
  });

  test('adding a node counts it as active, so check-quorum does not depose at once', () => {
    const r = raftOf('1', ['1'], { checkQuorum: true });
    r.becomeCandidate();
    r.becomeLeader();
    for (let i = 0; i < r.electionTimeout - 1; i++) r.tick();
    r.applyConfChange({ id: '', type: 0, nodeId: '2', context: new Uint8Array(0) });
    r.tick();
    assert.equal(r.state, StateType.Leader);
    for (let i = 0; i < r.electionTimeout; i++) r.tick();
    assert.equal(r.state, StateType.Follower);
  });

  test('removing a node lowers the quorum and commits what was waiting', () => {
    const s = storageWith(['1', '2']);
    const r = newTestRaft('1', 5, 1, s);
    r.becomeCandidate();
    r.becomeLeader();
    const cc = { id: '', type: 1, nodeId: '2', context: new Uint8Array(0) };
    r.step(msg({ type: MessageType.Prop, entries: [{ ...ent(0, 0, 'cc'), type: 1 }] }));
    assert.deepEqual(nextEnts(r, s), []);
    const ccIndex = r.raftLog.lastIndex();
    r.step(msg({ type: MessageType.Prop, entries: [ent(0, 0, 'hello')] }));
    r.step(msg({ type: MessageType.AppResp, from: '2', index: ccIndex }));
    const ents = nextEnts(r, s);
    assert.deepEqual(
      ents.map((e) => [e.type, Buffer.from(e.data).toString()]),
      [
        [0, ''],
        [1, 'cc'],
      ],
    );
    r.applyConfChange(cc);
    assert.deepEqual(
      nextEnts(r, s).map((e) => Buffer.from(e.data).toString()),
      ['hello'],
    );
  });

  test('§6: a leader that removes itself stops taking proposals; the rest elect a leader', () => {
    const net = new RaftNet([null, null, null]);
    net.send(hup('1'));
    const lead = net.raft('1');
    net.send(
      msg({
        type: MessageType.Prop,
        from: '1',
        to: '1',
        entries: [{ ...ent(0, 0, 'rm1'), type: 1 }],
      }),
    );
    assert.equal(lead.raftLog.committed, 2);
    for (const id of ids(3)) {
      const r = net.raft(id);
      r.applyConfChange({ id: '', type: 1, nodeId: '1', context: new Uint8Array(0) });
      r.raftLog.appliedTo(r.raftLog.committed);
    }
    assert.throws(() => lead.step(prop('1')), { name: 'ProposalDroppedError' });
    assert.equal(lead.promotable(), false);
    net.isolate('1'); // the driver shuts the removed member down
    net.send(hup('2'));
    assert.equal(net.raft('2').state, StateType.Leader);
    net.send(prop('2', 'after'));
    assert.equal(net.raft('3').raftLog.committed, net.raft('2').raftLog.lastIndex());
  });

  test('§6: a conf change proposed to a new leader waits for the old one to apply', () => {
    const net = new RaftNet([null, null, null]);
    net.send(hup('1'));
    // The followers get the first change (entry 2) but never hear that it committed.
    net.msgHook = (m) => !(m.from === '1' && m.type === MessageType.App && m.commit >= 2);
    net.send(
      msg({
        type: MessageType.Prop,
        from: '1',
        to: '1',
        entries: [{ ...ent(0, 0, 'cc1'), type: 1 }],
      }),
    );
    net.msgHook = null;
    net.isolate('1');
    net.send(hup('2'));
    const r2 = net.raft('2');
    assert.equal(r2.state, StateType.Leader);
    // A change may be pending anywhere in the log: the new leader assumes one is.
    assert.equal(r2.pendingConfIndex, 2);
    net.send(
      msg({
        type: MessageType.Prop,
        from: '2',
        to: '2',
        entries: [{ ...ent(0, 0, 'cc2'), type: 1 }],
      }),
    );
    const last = r2.raftLog.entries(r2.raftLog.lastIndex(), Number.MAX_SAFE_INTEGER)![0]!;
    assert.equal(last.type, 0);
    assert.equal(last.data.length, 0);
    r2.raftLog.appliedTo(r2.raftLog.committed);
    net.send(
      msg({
        type: MessageType.Prop,
        from: '2',
        to: '2',
        entries: [{ ...ent(0, 0, 'cc3'), type: 1 }],
      }),
    );
    const next = r2.raftLog.entries(r2.raftLog.lastIndex(), Number.MAX_SAFE_INTEGER)![0]!;
    assert.equal(next.type, 1);
  });

  test('§6: a new member learns the whole log, conf changes included, before it votes', () => {
    const net = new RaftNet([null, null, null]);
    net.send(hup('1'));
    net.send(prop('1', 'x'));
    // Node 4 starts empty and knows nobody.
    const r4 = newTestRaft('4', 10, 1, new MemoryStorage());
    net.peers.set('4', r4);
    for (const id of ids(3)) {
      net.raft(id).applyConfChange({ id: '', type: 0, nodeId: '4', context: new Uint8Array(0) });
    }
    for (let i = 0; i < 30; i++) r4.tick();
    assert.equal(r4.state, StateType.Follower); // not promotable: empty configuration
    net.send(msg({ type: MessageType.Beat, from: '1', to: '1' }));
    assert.deepEqual(logTerms(r4), logTerms(net.raft('1')));
    assert.equal(r4.raftLog.committed, net.raft('1').raftLog.committed);
  });

  test('campaigning while leader changes nothing', () => {
    const r = raftOf('1', ['1']);
    r.step(hup('1'));
    assert.equal(r.state, StateType.Leader);
    const term = r.term;
    r.step(hup('1'));
    assert.equal(r.state, StateType.Leader);
    assert.equal(r.term, term);
  });
});
