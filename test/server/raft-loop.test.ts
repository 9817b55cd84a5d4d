// The production raft loop (src/server/raft-loop.ts) in simulation: three RawNodes, each
// driven by its own RaftLoop on a simulated clock and scheduler, with in-memory disks whose
// syncs complete late (now and then after a network round trip), a seeded network that delays and drops, and crashes that lose
// whatever was not synced. Checked at every step: nothing is applied before it is durable
// (nor a configuration change before the commit index that covers it),
// a follower sends nothing before its Ready is durable, no save leaves a gap after what the
// member's WAL holds (entries are copied at the call, as the WAL encodes them), every member applies the same
// entries in the same order, and after healing every member applies a new proposal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Prng } from '../../src/pkg/prng.js';
import { decodeConfChange } from '../../src/raft/raftpb.js';
import { ProposalDroppedError } from '../../src/raft/interface.js';
import { RawNode } from '../../src/raft/rawnode.js';
import { MemoryStorage } from '../../src/raft/storage.js';
import {
  EMPTY_BYTES,
  EntryType,
  type HardState,
  isEmptySnapshot,
  type Message,
  StateType,
} from '../../src/raft/types.js';
import { type LoopDisk, type LoopHost, RaftLoop } from '../../src/server/raft-loop.js';
import type { Scheduler } from '../../src/server/scheduler.js';

interface Delivery {
  at: number;
  m: Message;
}

class Sim {
  now = 0;
  readonly net: Delivery[] = [];
  /** Disk syncs in flight: they complete at `at` unless their node crashed. */
  readonly syncs: { at: number; node: SimMember; incarnation: number; done: () => void }[] = [];
  /** Every entry applied anywhere, by index: all members must agree. */
  readonly appliedAt = new Map<number, string>();
  /** What a loop failed with (an assertion in a host callback ends up here). */
  readonly errors: Error[] = [];
  readonly sched: Scheduler = {
    now: () => this.now,
    monotonic: () => this.now,
    every: () => {
      throw new Error('the loop takes no timers');
    },
    after: () => {
      throw new Error('the loop takes no timers');
    },
    soon: (fn) => queueMicrotask(fn),
  };
  constructor(readonly rng: Prng) {}
}

class SimMember {
  /** What survives a crash. */
  disk = new MemoryStorage();
  durable: HardState = { term: 0, vote: '', commit: 0 };
  raw!: RawNode;
  loop!: RaftLoop;
  incarnation = 0;
  alive = false;
  /** The last index handed to save() this incarnation (what the WAL holds once synced). */
  written = 0;
  /** A Ready's save is in flight (not durable yet). */
  unsynced = 0;
  applied = 0;
  appliedData: string[] = [];

  constructor(
    readonly id: string,
    private readonly peers: string[],
    private readonly sim: Sim,
  ) {}

  start(): void {
    this.incarnation++;
    this.alive = true;
    this.unsynced = 0;
    this.written = this.disk.lastIndex();
    const storage = new MemoryStorage();
    storage.setHardState(this.disk.initialState().hardState);
    const last = this.disk.lastIndex();
    if (last >= 1) storage.append(this.disk.entries(1, last + 1, Number.POSITIVE_INFINITY));
    this.applied = 0;
    this.appliedData = [];
    const prng = this.sim.rng.fork();
    this.raw = new RawNode({
      id: this.id,
      electionTick: 10,
      heartbeatTick: 1,
      storage,
      applied: 0,
      maxSizePerMsg: 1024 * 1024,
      maxInflightMsgs: 256,
      checkQuorum: true,
      preVote: true,
      random: () => prng.next(),
    });
    if (last === 0) this.raw.bootstrap(this.peers.map((id) => ({ id, context: EMPTY_BYTES })));
    const me = this.incarnation;
    const disk: LoopDisk = {
      save: (hs, readyEnts) => {
        this.unsynced++;
        // What a WAL writes is the Ready as it is at the call (encoded then): a copy, so
        // that raft changing the Ready's arrays meanwhile shows up as it would on disk.
        const ents = readyEnts.slice();
        if (ents.length > 0) {
          const first = ents[0]!.index;
          assert.ok(
            first <= this.written + 1,
            `${this.id} saves entries from ${first} after ${this.written}: a gap in its WAL`,
          );
          this.written = ents[ents.length - 1]!.index;
        }
        // On the disk only when the sync completes: a crash before loses it.
        return new Promise<void>((done) => {
          this.sim.syncs.push({
            // Now and then a sync outlasts a network round trip (a loaded disk): other
            // members' messages are stepped into raft while this Ready is in flight.
            at:
              this.sim.now +
              (this.sim.rng.chance(0.2) ? 3 + this.sim.rng.int(8) : this.sim.rng.int(3)),
            node: this,
            incarnation: me,
            done: () => {
              if (ents.length > 0) this.disk.append(ents);
              if (hs !== null) {
                this.disk.setHardState(hs);
                this.durable = { ...hs };
              }
              this.unsynced--;
              done();
            },
          });
        });
      },
      saveSnapshot: async () => {
        throw new Error('no snapshots in this simulation');
      },
    };
    const host: LoopHost = {
      beforeReady: () => {},
      hasBuffered: () => false,
      onSoftState: () => {},
      isLeader: () => this.raw.state === StateType.Leader,
      send: (msgs) => {
        if (this.incarnation !== me || !this.alive) return;
        // A follower speaks only of what is durable.
        if (this.raw.state !== StateType.Leader)
          assert.equal(this.unsynced, 0, `${this.id} sent before its sync`);
        for (const m of msgs) this.sim.net.push({ at: this.sim.now + 1 + this.sim.rng.int(3), m });
      },
      apply: (ents) => {
        if (ents === null || this.incarnation !== me || !this.alive) return;
        for (const e of ents) {
          assert.equal(e.index, this.applied + 1, `${this.id} applies out of order`);
          // Applied only once durable: on this member's disk, the same entry. (The commit
          // index itself need not be synced first: etcd does not sync for it alone.)
          assert.ok(
            e.index <= this.disk.lastIndex(),
            `${this.id} applies ${e.index}, not on its disk`,
          );
          assert.equal(
            this.disk.term(e.index),
            e.term,
            `${this.id} applies ${e.index}, not as on its disk`,
          );
          this.applied = e.index;
          if (e.type === EntryType.ConfChange) {
            // A configuration change's commit is durable before it is applied: restarted
            // with an older commit, a member would count the voters from before it.
            assert.ok(
              this.durable.commit >= e.index,
              `${this.id} applies the configuration change at ${e.index} with commit ${this.durable.commit} on its disk`,
            );
            this.raw.applyConfChange(decodeConfChange(e.data));
            continue;
          }
          const data = Buffer.from(e.data).toString();
          const seen = this.sim.appliedAt.get(e.index);
          if (seen === undefined) this.sim.appliedAt.set(e.index, data);
          else assert.equal(data, seen, `members disagree at index ${e.index}`);
          if (data !== '') this.appliedData.push(data);
        }
      },
      restore: (snap) => {
        assert.ok(isEmptySnapshot(snap), 'no snapshots in this simulation');
      },
      persisted: () => {},
      hasWork: () => false,
      work: async () => {},
      afterReady: () => {},
      fatal: (e) => {
        this.sim.errors.push(e);
      },
      walSynced: () => {},
    };
    this.loop = new RaftLoop(this.raw, storage, disk, host, this.sim.sched);
    this.loop.schedule();
  }

  crash(): void {
    this.alive = false;
    this.loop.stop();
  }

  step(m: Message): void {
    try {
      this.raw.step(m);
    } catch (e) {
      if (!(e instanceof ProposalDroppedError)) throw e;
    }
    this.loop.schedule();
  }
}

const turn = () => new Promise<void>((r) => setImmediate(r));

async function simulate(
  seed: number,
  steps: number,
): Promise<{ proposed: number; applied: number }> {
  const sim = new Sim(new Prng(seed));
  const ids = ['1', '2', '3'];
  const members = ids.map((id) => new SimMember(id, ids, sim));
  for (const m of members) m.start();
  let proposed = 0;
  const restartAt = new Map<SimMember, number>();
  const step = async (chaos: boolean) => {
    sim.now++;
    for (const [m, at] of restartAt) {
      if (at <= sim.now) {
        restartAt.delete(m);
        m.start();
      }
    }
    for (const m of members) {
      if (!m.alive) continue;
      m.raw.tick();
      m.loop.schedule();
    }
    // Syncs that are due complete; those of crashed incarnations never do.
    for (let i = sim.syncs.length - 1; i >= 0; i--) {
      const s = sim.syncs[i]!;
      if (s.at > sim.now) continue;
      sim.syncs.splice(i, 1);
      if (s.node.alive && s.node.incarnation === s.incarnation) s.done();
    }
    for (let i = sim.net.length - 1; i >= 0; i--) {
      const d = sim.net[i]!;
      if (d.at > sim.now) continue;
      sim.net.splice(i, 1);
      const to = members.find((m) => m.id === d.m.to)!;
      if (!to.alive || (chaos && sim.rng.chance(0.05))) continue;
      to.step(d.m);
    }
    const leader = members.find((m) => m.alive && m.raw.state === StateType.Leader);
    if (leader !== undefined && sim.rng.chance(0.3)) {
      try {
        leader.raw.propose(Buffer.from(`p${proposed}`));
        proposed++;
      } catch (e) {
        if (!(e instanceof ProposalDroppedError)) throw e;
      }
      leader.loop.schedule();
    }
    if (chaos && sim.rng.chance(0.01)) {
      const victim = sim.rng.pick(members);
      if (victim.alive) {
        victim.crash();
        restartAt.set(victim, sim.now + 5 + sim.rng.int(30));
      }
    }
    await turn();
    if (sim.errors.length > 0) throw sim.errors[0];
  };
  for (let i = 0; i < steps; i++) await step(true);
  for (const [m] of restartAt) {
    restartAt.delete(m);
    m.start();
  }
  // Healed: a new proposal reaches every member.
  const deadline = sim.now + 2000;
  let final = '';
  while (sim.now < deadline) {
    const leader = members.find((m) => m.raw.state === StateType.Leader);
    if (final === '' && leader !== undefined) {
      try {
        leader.raw.propose(Buffer.from('final'));
        final = 'final';
        leader.loop.schedule();
      } catch (e) {
        if (!(e instanceof ProposalDroppedError)) throw e;
      }
    }
    if (final !== '' && members.every((m) => m.appliedData.includes('final'))) break;
    await step(false);
  }
  for (const m of members) {
    assert.ok(
      m.appliedData.includes('final'),
      `seed ${seed}: ${m.id} never applied the final proposal`,
    );
  }
  return { proposed, applied: Math.min(...members.map((m) => m.appliedData.length)) };
}

test('the production raft loop in simulation: durable before applied or sent, agreement, progress', async () => {
  const base = Number(process.env.LOOP_SIM_SEED ?? 1);
  // 40 seeds: seeds 9, 21, 26, 37 and 41 are among those that caught a Ready's entries
  // growing while its hard state was being saved (entries stable but never written).
  for (let seed = base; seed < base + 40; seed++) {
    let r: { proposed: number; applied: number };
    try {
      r = await simulate(seed, 600);
    } catch (e) {
      throw new Error(`seed ${seed} (replay with LOOP_SIM_SEED=${seed}): ${(e as Error).message}`);
    }
    assert.ok(r.proposed > 20, `seed ${seed}: only ${r.proposed} proposals`);
    assert.ok(r.applied > 10, `seed ${seed}: only ${r.applied} entries applied everywhere`);
  }
});
