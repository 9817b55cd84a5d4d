// Over 500 lines: one run's state (clock, faults, clients, membership) is what every step shares; network, nodes, checker and scenario live apart.
// A whole cluster in one process, in simulated time, every choice drawn from one seeded
// PRNG: a run is a pure function of (seed, options), so any failure replays exactly.
// Phase 1 (chaos): lossy, duplicating, reordering network; partitions; crashes at any
// point of a node's Ready loop; client proposals, reads, leader transfers, membership
// changes and snapshots. Phase 2 (healed): every fault removed and every member
// running; a new proposal must then be applied by every member within a bound.
import type { PeerContext } from '../../../src/raft/interface.js';
import { ProposalDroppedError } from '../../../src/raft/interface.js';
import {
  type ConfChange,
  ConfChangeType,
  EMPTY_BYTES,
  type Entry,
  type Message,
  MessageType,
  type NodeId,
  type ReadState,
} from '../../../src/raft/types.js';
import { Checker, SimViolation } from './checker.js';
import { type InFlight, Network } from './network.js';
import { CrashPoint, type Host, SimNode } from './node.js';
import { Prng } from '../../../src/pkg/prng.js';
import { type Scenario, drawScenario } from './scenario.js';
import type { Scheduler } from '../../../src/server/scheduler.js';

export interface SimOptions {
  seed: number;
  /** Size of the initial cluster (3 or 5 in the suite). */
  nodes: number;
  /** Ticks of the chaos phase. */
  steps: number;
  /** Ticks allowed, once healed, for a new proposal to reach every member, plus two per log entry. */
  healBound?: number;
  /** Turns on the core's deliberate bug (stale vote responses counted as grants). */
  countStaleVotes?: boolean;
  /**
   * Let membership shrink to two voters even without pre-vote (where the core, like
   * etcd, can deadlock: see changeMembership).
   */
  twoVoters?: boolean;
  /** Receives one line per event when set (replay with a trace). */
  trace?: (line: string) => void;
}

export interface SimStats {
  ticks: number;
  healTicks: number;
  leaders: number;
  committed: number;
  proposals: number;
  crashes: number;
  readyCrashes: number;
  restarts: number;
  partitions: number;
  pauses: number;
  confChanges: number;
  snapshots: number;
  snapshotsSent: number;
  messages: number;
  dropped: number;
  duplicated: number;
  reads: number;
  transfers: number;
  /** Times a node was told a peer's process is gone (truly, or wrongly). */
  peerDownNews: number;
}

export interface SimResult {
  seed: number;
  nodes: number;
  ok: boolean;
  invariant?: string;
  message?: string;
  tick?: number;
  stats: SimStats;
}

const MARKER = 2;
const PAYLOAD = 1;

export function runSimulation(opts: SimOptions): Promise<SimResult> {
  return new Simulation(opts).run();
}

/** Lets every loop run until it waits (all deferred work is microtasks). */
const drain = () => new Promise<void>((r) => setImmediate(r));

export class Simulation implements Host {
  readonly rng: Prng;
  readonly checker = new Checker();
  readonly tracing: boolean;
  private readonly net: Network;
  private readonly nodes = new Map<NodeId, SimNode>();
  private readonly scenario: Scenario;
  private now = 0;
  private healing = false;
  private readonly scheduled: { at: number; node: SimNode }[] = [];
  /** Membership after the highest conf change applied anywhere. */
  private voters: NodeId[] = [];
  private confIndex = 0;
  private nextId: number;
  private confSeq = 0;
  private pendingConf: string | null = null;
  private pendingConfAt = 0;
  private proposalSeq = 0;
  private readSeq = 0;
  private readonly reads = new Map<number, number>();
  private nextWeather = 0;
  /** Lowest log index of a marker proposed after healing, once applied somewhere. */
  private markerIndex = 0;
  readonly stats: SimStats = {
    ticks: 0,
    healTicks: 0,
    leaders: 0,
    committed: 0,
    proposals: 0,
    crashes: 0,
    readyCrashes: 0,
    restarts: 0,
    partitions: 0,
    pauses: 0,
    confChanges: 0,
    snapshots: 0,
    snapshotsSent: 0,
    messages: 0,
    dropped: 0,
    duplicated: 0,
    reads: 0,
    transfers: 0,
    peerDownNews: 0,
  };
  /**
   * Its own stream (not forked from rng, which would shift every seed's draws): whether a
   * peer learns that a crashed node's port refuses connections, and false such news.
   */
  private readonly newsRng: Prng;

  constructor(private readonly opts: SimOptions) {
    this.rng = new Prng(opts.seed);
    this.newsRng = new Prng(opts.seed + 0x5eed_0000_0000);
    this.tracing = opts.trace !== undefined;
    this.net = new Network(this.rng.fork());
    this.scenario = drawScenario(this.rng, opts.countStaleVotes === true);
    this.nextId = opts.nodes + 1;
  }

  trace(line: string): void {
    this.opts.trace?.(`[${this.now}] ${line}`);
  }

  async run(): Promise<SimResult> {
    const { seed, nodes } = this.opts;
    try {
      await this.boot();
      for (let i = 0; i < this.opts.steps; i++) await this.tick(true);
      await this.heal();
      // Elections, then catching up: a member added late may need the whole log, one
      // small message at a time, so the bound grows with the log.
      const base = this.opts.healBound ?? 400 + 40 * this.scenario.params.electionTick;
      let t = 0;
      let bound = base;
      while (!this.progressed()) {
        bound = base + 2 * this.checker.committedMax;
        if (t++ >= bound) {
          throw new SimViolation(
            'progress',
            `after healing, no new proposal reached every member within ${bound} ticks (${this.describeMembers()})`,
          );
        }
        await this.tick(false);
      }
      this.stats.healTicks = t;
      this.finish();
      return { seed, nodes, ok: true, stats: this.stats };
    } catch (err) {
      this.finish();
      if (err instanceof SimViolation) {
        if (this.tracing) this.trace(`VIOLATION ${err.message}`);
        return {
          seed,
          nodes,
          ok: false,
          invariant: err.invariant,
          message: err.detail,
          tick: this.now,
          stats: this.stats,
        };
      }
      const e = err as Error;
      if (this.tracing) this.trace(`EXCEPTION ${e.stack ?? e}`);
      return {
        seed,
        nodes,
        ok: false,
        invariant: 'exception',
        message: e.stack ?? String(e),
        tick: this.now,
        stats: this.stats,
      };
    }
  }

  private finish(): void {
    this.stats.ticks = this.now;
    this.stats.leaders = this.checker.leadersSeen;
    this.stats.committed = this.checker.committedMax;
    this.stats.messages = this.net.sent;
    this.stats.duplicated = this.net.duplicated;
  }

  private async boot(): Promise<void> {
    const peers: PeerContext[] = [];
    for (let i = 1; i <= this.opts.nodes; i++)
      peers.push({ id: i.toString(16), context: EMPTY_BYTES });
    for (const p of peers) {
      const n = new SimNode(p.id, peers, this.scenario.params, this.rng.fork(), this);
      this.nodes.set(p.id, n);
      this.voters.push(p.id);
    }
    if (this.tracing) {
      const s = this.scenario;
      this.trace(
        `boot seed=${this.opts.seed} nodes=${this.opts.nodes} ${JSON.stringify(s.params)} crash=${s.crashRate} partition=${s.partitionRate} conf=${s.confRate} snapshot=${s.snapshotRate}`,
      );
    }
    for (const n of this.nodes.values()) n.start();
    await this.settle();
  }

  // ---- the clock ----

  private async tick(chaos: boolean): Promise<void> {
    this.now++;
    this.runScheduled();
    if (chaos) this.chaos();
    this.clients(chaos);
    for (const n of this.nodes.values()) {
      // A little clock jitter: a node sometimes misses a tick.
      if (n.alive && n.pausedUntil <= this.now && !this.rng.chance(0.03)) n.tick();
    }
    await this.readyAll();
    for (let round = 0; round < 4; round++) {
      const due = this.net.due(this.now);
      if (due.length === 0) break;
      for (const f of due) this.deliver(f);
      await this.readyAll();
    }
  }

  /** Every running member's loop takes what its raft has ready, until all wait. */
  private async readyAll(): Promise<void> {
    for (const n of this.nodes.values()) {
      if (n.alive && n.pausedUntil <= this.now) n.kick();
    }
    await this.settle();
  }

  private async settle(): Promise<void> {
    await drain();
    const e = this.loopError;
    if (e !== null) throw e;
  }

  // ---- Host: the loops ----

  readonly scheduler: Scheduler = {
    now: () => this.now,
    monotonic: () => this.now,
    every: () => {
      throw new Error('the simulation ticks the nodes itself');
    },
    after: () => {
      throw new Error('the simulation ticks the nodes itself');
    },
    soon: (fn) => queueMicrotask(fn),
  };
  private loopError: Error | null = null;

  readyCrashed(n: SimNode): void {
    if (n.removed) return;
    this.stats.readyCrashes++;
    this.scheduleRestart(n);
  }

  loopFailed(_n: SimNode, e: Error): void {
    this.loopError ??= e;
  }

  private deliver(f: InFlight): void {
    const to = this.nodes.get(f.to);
    const from = this.nodes.get(f.from);
    if (to?.alive && to.pausedUntil > this.now) {
      this.net.requeue(f, to.pausedUntil);
      return;
    }
    if (to === undefined || !to.alive || !this.net.passes(f)) {
      this.stats.dropped++;
      if (this.tracing) this.trace(`drop ${MessageType[f.type]} ${f.from}->${f.to}`);
      if (from?.alive) {
        // What etcd's transport reports when a send fails.
        if (f.type === MessageType.Snap) {
          if (this.rng.chance(0.8)) from.raw!.reportSnapshot(f.to, false);
        } else if (this.rng.chance(0.1)) from.raw!.reportUnreachable(f.to);
      }
      return;
    }
    const m = f.decode();
    if (this.tracing) this.trace(`deliver ${describe(m)}`);
    to.step(m);
    if (f.type === MessageType.Snap) {
      this.stats.snapshotsSent++;
      if (from?.alive) from.raw!.reportSnapshot(f.to, true);
    }
  }

  // ---- Host ----

  send(_from: SimNode, m: Message): void {
    this.net.send(m, this.now);
  }

  crashPoint(_node: SimNode): CrashPoint {
    if (this.healing || !this.rng.chance(this.scenario.readyCrashRate)) return CrashPoint.None;
    return this.rng.range(1, 3) as CrashPoint;
  }

  confApplied(_node: SimNode, e: Entry, cc: ConfChange, valid: boolean): void {
    if (this.pendingConf === cc.id) this.pendingConf = null;
    if (!valid || e.index <= this.confIndex) return;
    this.confIndex = e.index;
    this.stats.confChanges++;
    if (cc.type === ConfChangeType.AddNode) {
      if (!this.voters.includes(cc.nodeId)) this.voters.push(cc.nodeId);
      if (this.nodes.has(cc.nodeId)) return; // a bootstrap member
      // The operator starts the new member once `member add` has returned.
      const n = new SimNode(cc.nodeId, [], this.scenario.params, this.rng.fork(), this);
      this.nodes.set(cc.nodeId, n);
      this.scheduled.push({ at: this.now + (this.healing ? 0 : this.rng.int(30)), node: n });
      if (this.tracing) this.trace(`member ${cc.nodeId} added at ${e.index}`);
    } else if (cc.type === ConfChangeType.RemoveNode) {
      this.voters = this.voters.filter((id) => id !== cc.nodeId);
      const n = this.nodes.get(cc.nodeId);
      if (n !== undefined) {
        // A removed member stops (etcd's peers answer it 410 Gone; it exits), now or a
        // little later: until then it must not disrupt the cluster. A leader removing
        // itself goes on 10 ticks at least (the server's delay after applying its own
        // removal): its peers cannot refuse it before they know the removal's commit.
        n.removed = true;
        const leaving = n.isLeader;
        if (!leaving && (this.healing || this.rng.chance(0.5))) n.crash();
        else this.scheduled.push({ at: this.now + this.rng.range(leaving ? 10 : 1, 50), node: n });
      }
      if (this.tracing) this.trace(`member ${cc.nodeId} removed at ${e.index}`);
    }
  }

  entryApplied(_node: SimNode, e: Entry): void {
    if (this.markerIndex === 0 && e.data.length > 0 && e.data[0] === MARKER)
      this.markerIndex = e.index;
  }

  readState(node: SimNode, rs: ReadState): void {
    if (rs.requestCtx.length !== 4) return;
    const seq = new DataView(rs.requestCtx.buffer, rs.requestCtx.byteOffset, 4).getUint32(0, true);
    const mustCover = this.reads.get(seq);
    if (mustCover === undefined) return;
    this.stats.reads++;
    if (rs.index < mustCover) {
      throw new SimViolation(
        'read index',
        `${node.id} read #${seq} got index ${rs.index}, but ${mustCover} was committed before it was asked`,
      );
    }
  }

  /**
   * Checked against each leader's own log, unstable entries included: a leader that is the
   * only voter commits an entry in the Ready that persists it, before its storage has it.
   */
  newlyCommitted(lo: number, hi: number): void {
    for (const n of this.nodes.values()) {
      if (n.isLeader) {
        this.checker.leaderHasCommitted(n.id, n.raw!.term, n.raw!.raft.raftLog, lo, hi);
      }
    }
  }

  // ---- faults ----

  private chaos(): void {
    const s = this.scenario;
    const rng = this.rng;
    if (this.now >= this.nextWeather) {
      this.nextWeather = this.now + rng.range(30, 150);
      this.net.faults = {
        drop: rng.pick([0, 0, 0.01, 0.05, 0.2, 0.5]),
        dup: rng.pick([0, 0, 0.02, 0.1, 0.3]),
        maxDelay: rng.pick(s.maxDelays),
      };
      if (this.tracing) this.trace(`weather ${JSON.stringify(this.net.faults)}`);
    }
    if (rng.chance(s.crashRate)) {
      const live = this.live();
      if (live.length > 0) {
        const n = rng.pick(live);
        if (this.tracing) this.trace(`crash ${n.id}`);
        n.crash();
        this.stats.crashes++;
        this.peerDown(n.id);
        this.scheduleRestart(n);
      }
    }
    if (rng.chance(s.leaderCrashRate)) {
      // Leaders die mid-replication: the raw material of Figure 8.
      const leader = this.live().find((n) => n.isLeader);
      if (leader !== undefined) {
        if (this.tracing) this.trace(`crash leader ${leader.id}`);
        leader.crash();
        this.stats.crashes++;
        this.peerDown(leader.id);
        this.scheduleRestart(leader);
      }
    }
    if (rng.chance(s.pauseRate)) {
      const live = this.live();
      if (live.length > 0) {
        const n = rng.pick(live);
        n.pausedUntil = this.now + rng.range(3, 4 * s.params.electionTick);
        this.stats.pauses++;
        if (this.tracing) this.trace(`pause ${n.id} until ${n.pausedUntil}`);
      }
    }
    if (this.net.partitioned ? rng.chance(0.04) : false) {
      this.net.heal();
      if (this.tracing) this.trace('partition healed');
    } else if (rng.chance(s.partitionRate)) {
      this.partition();
    }
  }

  private partition(): void {
    const rng = this.rng;
    const ids = [...this.nodes.keys()];
    const kind = rng.int(3);
    this.stats.partitions++;
    if (kind === 2) {
      // Asymmetric: some directed links fail.
      for (let k = rng.range(1, 3); k > 0; k--) {
        const a = rng.pick(ids);
        const b = rng.pick(ids);
        if (a !== b) this.net.cutLink(a, b);
      }
      if (this.tracing) this.trace('partition: one-way links cut');
      return;
    }
    const sides = new Map<NodeId, number>();
    if (kind === 0) sides.set(rng.pick(ids), 1);
    else for (const id of ids) sides.set(id, rng.int(2));
    this.net.partition(sides);
    if (this.tracing) this.trace(`partition ${JSON.stringify([...sides])}`);
  }

  private scheduleRestart(n: SimNode): void {
    this.scheduled.push({ at: this.now + this.rng.range(1, 60), node: n });
  }

  private runScheduled(): void {
    if (this.scheduled.length === 0) return;
    const keep: { at: number; node: SimNode }[] = [];
    for (const s of this.scheduled) {
      if (s.at > this.now) keep.push(s);
      else if (s.node.removed) s.node.crash();
      else this.restart(s.node);
    }
    this.scheduled.length = 0;
    this.scheduled.push(...keep);
  }

  private restart(n: SimNode): void {
    if (n.alive || n.removed) return;
    if (n.incarnation > 0) this.stats.restarts++;
    n.start();
  }

  private async heal(): Promise<void> {
    this.healing = true;
    this.net.heal();
    this.net.faults = { drop: 0, dup: 0, maxDelay: Math.min(this.net.faults.maxDelay, 2) };
    if (this.tracing)
      this.trace(`heal: network reliable, all members up ${JSON.stringify(this.net.faults)}`);
    for (const s of this.scheduled) s.at = this.now;
    for (const n of this.nodes.values()) n.pausedUntil = 0;
    this.runScheduled();
    for (const n of this.nodes.values()) this.restart(n);
    await this.settle();
  }

  // ---- clients ----

  private clients(chaos: boolean): void {
    const s = this.scenario;
    const rng = this.rng;
    const live = this.live();
    if (live.length === 0) return;
    if (!chaos) {
      // After healing: a fresh marker every few ticks until one reaches everyone.
      if (this.markerIndex === 0 && this.now % 10 === 0) this.propose(rng.pick(live), MARKER);
    } else {
      for (let r = s.proposalRate; r > 0; r--) {
        if (r >= 1 || rng.chance(r)) this.propose(rng.pick(live), PAYLOAD);
      }
      if (rng.chance(s.confRate)) this.changeMembership(rng.pick(live));
      if (rng.chance(s.transferRate)) this.transfer(live);
    }
    if (rng.chance(s.readRate)) this.read(rng.pick(live));
    for (const n of live) {
      if (n.alive && rng.chance(s.snapshotRate) && n.snapshot(rng.int(s.snapshotKeep + 1)))
        this.stats.snapshots++;
    }
  }

  private propose(n: SimNode, tag: number): void {
    const seq = ++this.proposalSeq;
    // Unique data: the tag, then the sequence number repeated to the chosen size.
    const data = new Uint8Array(this.rng.pick([5, 5, 9, 33, 200]));
    data[0] = tag;
    for (let i = 1; i < data.length; i++) data[i] = (seq >>> (8 * ((i - 1) % 4))) & 0xff;
    this.stats.proposals++;
    const ok = n.propose(data);
    if (this.tracing)
      this.trace(
        `propose #${seq}${tag === MARKER ? ' (marker)' : ''} at ${n.id}${ok ? '' : ' dropped'}`,
      );
  }

  private changeMembership(n: SimNode): void {
    // A patient operator waits for the last change to apply; an impatient one leaves it
    // to raft to refuse a second uncommitted change.
    const timeout = 20 * this.scenario.params.electionTick;
    const waiting = this.pendingConf !== null && this.now - this.pendingConfAt < timeout;
    if (waiting && !this.scenario.impatientConf) return;
    const max = this.opts.nodes + 2;
    // Two voters only with pre-vote: without it a member that restarts with a stale
    // membership (it never learnt the entries that changed it were committed) can hold a
    // two-voter cluster forever, since a higher-term node ignores lower-term vote requests
    // and never answers with its term (etcd's raft behaves the same).
    const two = this.scenario.params.preVote || this.opts.twoVoters === true;
    const min = Math.max(two ? 2 : 3, this.opts.nodes - 2);
    const voters = this.voters;
    const add = voters.length < max && (voters.length <= min || this.rng.chance(0.5));
    const cc: ConfChange = {
      id: `cc${++this.confSeq}`,
      type: add ? ConfChangeType.AddNode : ConfChangeType.RemoveNode,
      nodeId: add ? (this.nextId++).toString(16) : this.rng.pick(voters),
      context: EMPTY_BYTES,
    };
    const ok = n.proposeConfChange(cc);
    if (ok) {
      this.pendingConf = cc.id;
      this.pendingConfAt = this.now;
    }
    if (this.tracing)
      this.trace(
        `propose ${cc.id} ${ConfChangeType[cc.type]} ${cc.nodeId} at ${n.id}${ok ? '' : ' dropped'}`,
      );
  }

  private transfer(live: SimNode[]): void {
    const leader = live.find((n) => n.isLeader);
    if (leader === undefined) return;
    const to = this.rng.pick(this.voters);
    if (to === leader.id) return;
    this.stats.transfers++;
    if (this.tracing) this.trace(`transfer leadership ${leader.id} -> ${to}`);
    leader.raw!.transferLeader(to);
  }

  private read(n: SimNode): void {
    const seq = ++this.readSeq;
    const ctx = new Uint8Array(4);
    new DataView(ctx.buffer).setUint32(0, seq, true);
    this.reads.set(seq, this.checker.committedMax);
    try {
      n.raw!.readIndex(ctx);
    } catch (err) {
      if (!(err instanceof ProposalDroppedError)) throw err;
    }
  }

  // ---- progress ----

  private progressed(): boolean {
    const m = this.markerIndex;
    if (m === 0) return false;
    for (const id of this.voters) {
      const n = this.nodes.get(id);
      if (n === undefined || !n.alive || n.sm.applied < m) return false;
    }
    return true;
  }

  private describeMembers(): string {
    const parts: string[] = [];
    for (const id of this.voters) {
      const n = this.nodes.get(id);
      if (n === undefined) parts.push(`${id}: never started`);
      else if (!n.alive) parts.push(`${id}: down`);
      else
        parts.push(
          `${id}: ${['follower', 'candidate', 'leader', 'pre-candidate'][n.raw!.state]} term ${n.raw!.term} applied ${n.sm.applied}`,
        );
    }
    return `marker index ${this.markerIndex || 'none yet'}; ${parts.join(', ')}`;
  }

  /**
   * The server tells raft when a peer's port refuses connections (its leader may have
   * died): some live nodes hear it of a crashed node, and now and then one hears it
   * wrongly of a node that is alive (a refused dial while it restarts its listener).
   */
  private peerDown(id: NodeId): void {
    const news = this.newsRng;
    const live = this.live();
    for (const n of live) {
      if (n.id !== id && news.chance(0.7)) this.tellPeerDown(n, id);
    }
    if (live.length >= 2 && news.chance(0.3)) {
      const [a, b] = [news.pick(live), news.pick(live)];
      if (a !== b) this.tellPeerDown(a, b.id);
    }
  }

  private tellPeerDown(n: SimNode, id: NodeId): void {
    if (this.tracing) this.trace(`${n.id} hears ${id} is down`);
    this.stats.peerDownNews++;
    n.raw!.reportPeerDown(id);
    n.kick();
  }

  private live(): SimNode[] {
    const out: SimNode[] = [];
    for (const n of this.nodes.values()) if (n.alive && n.pausedUntil <= this.now) out.push(n);
    return out;
  }
}

export function describe(m: Message): string {
  let s = `${MessageType[m.type]} ${m.from}->${m.to} t${m.term}`;
  if (m.logTerm || m.index) s += ` lt${m.logTerm} i${m.index}`;
  if (m.entries.length)
    s += ` ents=[${m.entries[0]!.index}..${m.entries[m.entries.length - 1]!.index}]`;
  if (m.commit) s += ` c${m.commit}`;
  if (m.reject) s += ` reject(hint ${m.rejectHint})`;
  if (m.snapshot) s += ` snap@${m.snapshot.metadata.index}`;
  return s;
}
