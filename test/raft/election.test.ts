// Elections: at most one leader per term, pre-vote, check-quorum and the leader lease
// (after etcd's raft_test.go).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MessageType, NONE, StateType } from '../../src/raft/types.js';
import {
  BLACKHOLE,
  entsWithConfig,
  hup,
  ids,
  logTerms,
  msg,
  newTestRaft,
  prop,
  RaftNet,
  raftOf,
  readMessages,
  storageWith,
  storageWithTerms,
  votedWithConfig,
} from './harness.js';

const cand = (preVote: boolean) => (preVote ? StateType.PreCandidate : StateType.Candidate);

for (const preVote of [false, true]) {
  describe(`leader election${preVote ? ' with pre-vote' : ''}`, () => {
    const over = { preVote };
    const cases: Array<[string, () => RaftNet, StateType, number]> = [
      ['3 nodes', () => new RaftNet([null, null, null], over), StateType.Leader, 1],
      ['3 nodes, one down', () => new RaftNet([null, null, BLACKHOLE], over), StateType.Leader, 1],
      [
        '3 nodes, two down',
        () => new RaftNet([null, BLACKHOLE, BLACKHOLE], over),
        cand(preVote),
        preVote ? 0 : 1,
      ],
      [
        '4 nodes, two down',
        () => new RaftNet([null, BLACKHOLE, BLACKHOLE, null], over),
        cand(preVote),
        preVote ? 0 : 1,
      ],
      [
        '5 nodes, two down',
        () => new RaftNet([null, BLACKHOLE, BLACKHOLE, null, null], over),
        StateType.Leader,
        1,
      ],
      [
        'logs further along in the same term reject the candidate',
        () =>
          new RaftNet(
            [
              null,
              entsWithConfig([1], over),
              entsWithConfig([1], over),
              entsWithConfig([1, 1], over),
              null,
            ],
            over,
          ),
        StateType.Follower,
        1,
      ],
    ];
    for (const [name, make, state, term] of cases) {
      test(name, () => {
        const net = make();
        net.send(hup('1'));
        assert.equal(net.raft('1').state, state);
        assert.equal(net.raft('1').term, term);
      });
    }

    test('any node can lead in turn (leader cycle)', () => {
      const net = new RaftNet([null, null, null], over);
      for (const c of ids(3)) {
        net.send(hup(c));
        for (const id of ids(3)) {
          const r = net.raft(id);
          assert.equal(r.state, id === c ? StateType.Leader : StateType.Follower, `node ${id}`);
        }
      }
    });

    test('an election overwrites newer uncommitted logs of a lost term', () => {
      const net = new RaftNet(
        [
          entsWithConfig([1], over), // won the first election
          entsWithConfig([1], over), // got node 1's log
          entsWithConfig([2], over), // won the second election
          votedWithConfig('3', 2, over), // voted, no log
          votedWithConfig('3', 2, over),
        ],
        over,
      );
      // A quorum knows of term 2: node 1 loses but learns the term.
      net.send(hup('1'));
      const r1 = net.raft('1');
      assert.equal(r1.state, StateType.Follower);
      assert.equal(r1.term, 2);
      net.send(hup('1'));
      assert.equal(r1.state, StateType.Leader);
      assert.equal(r1.term, 3);
      for (const id of ids(5)) {
        assert.deepEqual(logTerms(net.raft(id)), [
          [1, 1],
          [2, 3],
        ]);
      }
    });

    test('dueling candidates', () => {
      const net = new RaftNet([null, null, null], over);
      net.cut('1', '3');
      net.send(hup('1'));
      net.send(hup('3'));
      const [a, b, c] = ids(3).map((id) => net.raft(id));
      assert.equal(a!.state, StateType.Leader);
      assert.equal(c!.state, preVote ? StateType.Follower : StateType.Candidate);
      net.recover();
      // 3's log is too short: it cannot win, but without pre-vote its higher term
      // deposes the leader.
      net.send(hup('3'));
      const wantTerm = preVote ? 1 : 2;
      assert.equal(a!.state, preVote ? StateType.Leader : StateType.Follower);
      assert.equal(a!.term, wantTerm);
      assert.equal(b!.state, StateType.Follower);
      assert.equal(b!.term, wantTerm);
      assert.equal(c!.state, StateType.Follower);
      assert.equal(c!.term, wantTerm);
      assert.deepEqual(logTerms(a!), [[1, 1]]);
      assert.deepEqual(logTerms(b!), [[1, 1]]);
      assert.deepEqual(logTerms(c!), []);
    });

    test('a single node elects itself', () => {
      const net = new RaftNet([null], over);
      net.send(hup('1'));
      assert.equal(net.raft('1').state, StateType.Leader);
    });

    for (const vt of [MessageType.Vote, MessageType.PreVote]) {
      for (const st of [
        StateType.Follower,
        StateType.PreCandidate,
        StateType.Candidate,
        StateType.Leader,
      ]) {
        test(`${MessageType[vt]} for a higher term is granted from ${StateType[st]}`, () => {
          const r = raftOf('1', ids(3), over);
          r.term = 1;
          if (st === StateType.Follower) r.becomeFollower(r.term, '3');
          else if (st === StateType.PreCandidate) r.becomePreCandidate();
          else if (st === StateType.Candidate) r.becomeCandidate();
          else {
            r.becomeCandidate();
            r.becomeLeader();
          }
          readMessages(r);
          const origTerm = r.term;
          const newTerm = r.term + 1;
          r.step(msg({ type: vt, from: '2', to: '1', term: newTerm, logTerm: newTerm, index: 42 }));
          const ms = readMessages(r);
          assert.equal(ms.length, 1);
          assert.equal(
            ms[0]!.type,
            vt === MessageType.Vote ? MessageType.VoteResp : MessageType.PreVoteResp,
          );
          assert.equal(ms[0]!.reject, false);
          if (vt === MessageType.Vote) {
            assert.equal(r.state, StateType.Follower);
            assert.equal(r.term, newTerm);
            assert.equal(r.vote, '2');
          } else {
            // A pre-vote changes nothing.
            assert.equal(r.state, st);
            assert.equal(r.term, origTerm);
            assert.ok(r.vote === NONE || r.vote === '1');
          }
        });
      }
    }
  });
}

describe('voting rules', () => {
  // [state, index, logTerm, votedFor, wreject]; our log is (1,2),(2,2)
  const table: Array<[StateType, number, number, string, boolean]> = [
    [StateType.Follower, 0, 0, NONE, true],
    [StateType.Follower, 0, 1, NONE, true],
    [StateType.Follower, 0, 2, NONE, true],
    [StateType.Follower, 0, 3, NONE, false],
    [StateType.Follower, 1, 0, NONE, true],
    [StateType.Follower, 1, 1, NONE, true],
    [StateType.Follower, 1, 2, NONE, true],
    [StateType.Follower, 1, 3, NONE, false],
    [StateType.Follower, 2, 0, NONE, true],
    [StateType.Follower, 2, 1, NONE, true],
    [StateType.Follower, 2, 2, NONE, false],
    [StateType.Follower, 2, 3, NONE, false],
    [StateType.Follower, 3, 0, NONE, true],
    [StateType.Follower, 3, 1, NONE, true],
    [StateType.Follower, 3, 2, NONE, false],
    [StateType.Follower, 3, 3, NONE, false],
    [StateType.Follower, 3, 2, '2', false],
    [StateType.Follower, 3, 2, '1', true],
    [StateType.Leader, 3, 3, '1', true],
    [StateType.PreCandidate, 3, 3, '1', true],
    [StateType.Candidate, 3, 3, '1', true],
  ];
  for (const vt of [MessageType.Vote, MessageType.PreVote]) {
    for (const [state, index, logTerm, voteFor, wreject] of table) {
      test(`${MessageType[vt]} (${index}, ${logTerm}) to a ${StateType[state]} that voted '${voteFor}' -> reject=${wreject}`, () => {
        const r = newTestRaft('1', 10, 1, storageWithTerms([2, 2], ['1']));
        r.state = state;
        r.vote = voteFor;
        const term = Math.max(r.raftLog.lastTerm(), logTerm);
        r.term = term;
        r.step(msg({ type: vt, term, from: '2', to: '1', index, logTerm }));
        const ms = readMessages(r);
        assert.equal(ms.length, 1);
        assert.equal(
          ms[0]!.type,
          vt === MessageType.Vote ? MessageType.VoteResp : MessageType.PreVoteResp,
        );
        assert.equal(ms[0]!.reject, wreject);
      });
    }
  }

  test('a granted vote is recorded (and so persisted in the next hard state)', () => {
    const r = raftOf('1', ids(3));
    r.step(msg({ type: MessageType.Vote, from: '2', to: '1', term: 5, index: 0, logTerm: 0 }));
    assert.deepEqual(r.hardState(), { term: 5, vote: '2', commit: 0 });
    // A second candidate in the same term is refused.
    r.step(msg({ type: MessageType.Vote, from: '3', to: '1', term: 5, index: 0, logTerm: 0 }));
    const ms = readMessages(r);
    assert.deepEqual(
      ms.map((m) => [m.to, m.reject]),
      [
        ['2', false],
        ['3', true],
      ],
    );
  });

  // [from, to, allowed, wterm, wlead]
  const transitions: Array<[StateType, StateType, boolean, number, string]> = [
    [StateType.Follower, StateType.Follower, true, 1, NONE],
    [StateType.Follower, StateType.PreCandidate, true, 0, NONE],
    [StateType.Follower, StateType.Candidate, true, 1, NONE],
    [StateType.Follower, StateType.Leader, false, 0, NONE],
    [StateType.PreCandidate, StateType.Follower, true, 0, NONE],
    [StateType.PreCandidate, StateType.PreCandidate, true, 0, NONE],
    [StateType.PreCandidate, StateType.Candidate, true, 1, NONE],
    [StateType.PreCandidate, StateType.Leader, true, 0, '1'],
    [StateType.Candidate, StateType.Follower, true, 0, NONE],
    [StateType.Candidate, StateType.PreCandidate, true, 0, NONE],
    [StateType.Candidate, StateType.Candidate, true, 1, NONE],
    [StateType.Candidate, StateType.Leader, true, 0, '1'],
    [StateType.Leader, StateType.Follower, true, 1, NONE],
    [StateType.Leader, StateType.PreCandidate, false, 0, NONE],
    [StateType.Leader, StateType.Candidate, false, 1, NONE],
    [StateType.Leader, StateType.Leader, true, 0, '1'],
  ];
  for (const [from, to, allowed, wterm, wlead] of transitions) {
    test(`state transition ${StateType[from]} -> ${StateType[to]} ${allowed ? 'allowed' : 'refused'}`, () => {
      const r = raftOf('1', ['1']);
      r.state = from;
      const go = () => {
        if (to === StateType.Follower) r.becomeFollower(wterm, wlead);
        else if (to === StateType.PreCandidate) r.becomePreCandidate();
        else if (to === StateType.Candidate) r.becomeCandidate();
        else r.becomeLeader();
      };
      if (!allowed) {
        assert.throws(go);
        return;
      }
      go();
      assert.equal(r.term, wterm);
      assert.equal(r.lead, wlead);
    });
  }

  for (const [state, windex] of [
    [StateType.Follower, 0],
    [StateType.PreCandidate, 0],
    [StateType.Candidate, 0],
    [StateType.Leader, 1],
  ] as const) {
    test(`a ${StateType[state]} steps down on any message of a higher term`, () => {
      for (const t of [MessageType.Vote, MessageType.App]) {
        const r = raftOf('1', ids(3));
        if (state === StateType.Follower) r.becomeFollower(1, NONE);
        else if (state === StateType.PreCandidate) r.becomePreCandidate();
        else {
          r.becomeCandidate();
          if (state === StateType.Leader) r.becomeLeader();
        }
        r.step(msg({ type: t, from: '2', to: '1', term: 3, logTerm: 3 }));
        assert.equal(r.state, StateType.Follower);
        assert.equal(r.term, 3);
        assert.equal(r.raftLog.lastIndex(), windex);
        assert.equal(r.lead, t === MessageType.Vote ? NONE : '2');
      }
    });
  }

  for (const t of [MessageType.Heartbeat, MessageType.App]) {
    test(`a candidate reverts to follower on ${MessageType[t]} from the leader of its term`, () => {
      const net = new RaftNet([null, null, null]);
      const [a, b, c] = ids(3).map((id) => net.raft(id));
      net.send(hup('1'));
      net.isolate('3');
      net.send(hup('2'));
      net.send(hup('1'));
      assert.equal(a!.state, StateType.Leader);
      assert.equal(b!.state, StateType.Follower);
      c!.resetRandomizedElectionTimeout();
      for (let i = 0; i < c!.randomizedElectionTimeout; i++) c!.tick();
      assert.equal(c!.state, StateType.Candidate);
      net.recover();
      net.send(msg({ type: t, from: '1', to: '3', term: a!.term }));
      assert.equal(c!.state, StateType.Follower);
      assert.equal(c!.term, a!.term);
    });
  }

  test('a non-member cannot be made to campaign by TimeoutNow or count votes', () => {
    const r = newTestRaft('1', 5, 1, storageWith(['2', '3', '4']));
    r.step(msg({ type: MessageType.TimeoutNow, from: '2', to: '1' }));
    r.step(msg({ type: MessageType.VoteResp, from: '2', to: '1' }));
    r.step(msg({ type: MessageType.VoteResp, from: '3', to: '1' }));
    assert.equal(r.state, StateType.Follower);
  });

  test('a node cannot campaign while a committed conf change is unapplied', () => {
    const s = storageWith(ids(3));
    const r = newTestRaft('1', 10, 1, s);
    r.raftLog.append([{ index: 1, term: 1, type: 1, data: new Uint8Array(0) }]);
    r.raftLog.commitTo(1);
    r.step(hup('1'));
    assert.equal(r.state, StateType.Follower);
    r.raftLog.appliedTo(1);
    r.step(hup('1'));
    assert.equal(r.state, StateType.Candidate);
  });

  test('the stale-vote fault (test-only) counts old-term vote responses as grants', () => {
    for (const fault of [false, true]) {
      const r = raftOf('1', ids(3), { faults: { countStaleVotes: fault } });
      r.becomeFollower(4, NONE);
      r.step(hup('1'));
      assert.equal(r.term, 5);
      // A delayed response from the election of term 3.
      r.step(msg({ type: MessageType.VoteResp, from: '2', to: '1', term: 3, reject: true }));
      assert.equal(r.state, fault ? StateType.Leader : StateType.Candidate);
    }
  });
});

describe('proposals', () => {
  const cases: Array<[string, Array<null | typeof BLACKHOLE>, boolean]> = [
    ['3 nodes', [null, null, null], true],
    ['3 nodes, one down', [null, null, BLACKHOLE], true],
    ['3 nodes, two down', [null, BLACKHOLE, BLACKHOLE], false],
    ['4 nodes, two down', [null, BLACKHOLE, BLACKHOLE, null], false],
    ['5 nodes, two down', [null, BLACKHOLE, BLACKHOLE, null, null], true],
  ];
  for (const [name, specs, success] of cases) {
    test(`a proposal commits only with a quorum: ${name}`, () => {
      const net = new RaftNet(specs);
      net.send(hup('1'));
      const r1 = net.raft('1');
      if (!success) assert.throws(() => r1.step(prop('1')), { name: 'ProposalDroppedError' });
      else net.send(prop('1'));
      for (const [id, r] of net.peers) {
        if (!r) continue;
        assert.deepEqual(
          logTerms(r),
          success
            ? [
                [1, 1],
                [2, 1],
              ]
            : [],
          `node ${id}`,
        );
        assert.equal(r.raftLog.committed, success ? 2 : 0);
      }
      assert.equal(r1.term, 1);
    });
  }

  test('followers forward proposals to the leader', () => {
    for (const specs of [
      [null, null, null],
      [null, null, BLACKHOLE],
    ] as const) {
      const net = new RaftNet([...specs]);
      net.send(hup('1'));
      net.send(prop('2', 'somedata'));
      for (const r of net.peers.values()) {
        if (!r) continue;
        assert.deepEqual(logTerms(r), [
          [1, 1],
          [2, 1],
        ]);
        assert.equal(r.raftLog.committed, 2);
      }
    }
  });

  test('a forwarded proposal is copied: the sender’s entry objects are not modified', () => {
    const net = new RaftNet([null, null, null]);
    net.send(hup('1'));
    const m = prop('2', 'x');
    const e = m.entries[0]!;
    net.send(m);
    assert.equal(e.index, 0);
    assert.equal(e.term, 0);
    assert.equal(net.raft('1').raftLog.committed, 2);
  });

  test('without a leader a proposal is dropped with ProposalDroppedError', () => {
    const r = raftOf('1', ids(3));
    assert.throws(() => r.step(prop('1')), { name: 'ProposalDroppedError' });
    r.becomeCandidate();
    assert.throws(() => r.step(prop('1')), { name: 'ProposalDroppedError' });
  });

  test('old messages from a deposed leader are ignored', () => {
    const net = new RaftNet([null, null, null]);
    net.send(hup('1'));
    net.send(hup('2'));
    net.send(hup('1'));
    // An old leader of term 2 tries to append: ignored.
    net.send(
      msg({
        type: MessageType.App,
        from: '2',
        to: '1',
        term: 2,
        entries: [{ index: 3, term: 2, type: 0, data: new Uint8Array(0) }],
      }),
    );
    net.send(prop('1'));
    for (const r of net.peers.values()) {
      assert.deepEqual(logTerms(r!), [
        [1, 1],
        [2, 2],
        [3, 3],
        [4, 3],
      ]);
      assert.equal(r!.raftLog.committed, 4);
    }
  });

  test('a candidate concedes to the leader of a higher term', () => {
    const net = new RaftNet([null, null, null]);
    net.isolate('1');
    net.send(hup('1'));
    net.send(hup('3'));
    net.recover();
    net.send(msg({ type: MessageType.Beat, from: '3', to: '3' }));
    net.send(prop('3', 'force follower'));
    net.send(msg({ type: MessageType.Beat, from: '3', to: '3' }));
    const a = net.raft('1');
    assert.equal(a.state, StateType.Follower);
    assert.equal(a.term, 1);
    for (const r of net.peers.values()) {
      assert.deepEqual(logTerms(r!), [
        [1, 1],
        [2, 1],
      ]);
      assert.equal(r!.raftLog.committed, 2);
    }
  });
});
