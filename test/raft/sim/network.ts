// The simulated network: every message is copied as it leaves its sender (so no object
// is ever shared between two nodes), then delayed, reordered, duplicated or lost, and
// delivered only between nodes on the same side of the current partition. (A structural
// copy, not the wire codec: the codec has its own tests and would cost half the run.)
import type { Entry, Message, MessageType, NodeId, Snapshot } from '../../../src/raft/types.js';
import type { Prng } from '../../../src/pkg/prng.js';

export interface NetFaults {
  /** Probability that a message is lost. */
  drop: number;
  /** Probability that a message is delivered twice. */
  dup: number;
  /** Each copy is delayed by a uniform number of ticks in [0, maxDelay]. */
  maxDelay: number;
}

export class InFlight {
  constructor(
    readonly at: number,
    readonly from: NodeId,
    readonly to: NodeId,
    readonly type: MessageType,
    readonly message: Message,
  ) {}

  /** A fresh copy for the receiver (a duplicate must not share objects with the first). */
  decode(): Message {
    return copyMessage(this.message);
  }
}

function copyEntries(ents: Entry[]): Entry[] {
  const out: Entry[] = new Array(ents.length);
  for (let i = 0; i < ents.length; i++) {
    const e = ents[i]!;
    // Entry data is immutable by contract (raft never writes into it): shared.
    out[i] = { term: e.term, index: e.index, type: e.type, data: e.data };
  }
  return out;
}

function copySnapshot(s: Snapshot | null): Snapshot | null {
  if (s === null) return null;
  const md = s.metadata;
  return {
    data: s.data.slice(),
    metadata: {
      index: md.index,
      term: md.term,
      confState: { voters: md.confState.voters.slice(), learners: md.confState.learners.slice() },
    },
  };
}

export function copyMessage(m: Message): Message {
  return {
    type: m.type,
    to: m.to,
    from: m.from,
    term: m.term,
    logTerm: m.logTerm,
    index: m.index,
    entries: m.entries.length === 0 ? [] : copyEntries(m.entries),
    commit: m.commit,
    snapshot: copySnapshot(m.snapshot),
    reject: m.reject,
    rejectHint: m.rejectHint,
    context: m.context.length === 0 ? m.context : m.context.slice(),
  };
}

export class Network {
  faults: NetFaults = { drop: 0, dup: 0, maxDelay: 0 };
  private queue: InFlight[] = [];
  /** Partition side of each node; nodes not listed are on side 0. */
  private side = new Map<NodeId, number>();
  /** Directed links cut on top of the partition: "from>to". */
  private cut = new Set<string>();
  sent = 0;
  duplicated = 0;

  constructor(private readonly rng: Prng) {}

  get inFlight(): number {
    return this.queue.length;
  }

  send(m: Message, now: number): void {
    const bytes = copyMessage(m);
    this.sent++;
    this.queue.push(
      new InFlight(now + this.rng.int(this.faults.maxDelay + 1), m.from, m.to, m.type, bytes),
    );
    if (this.rng.chance(this.faults.dup)) {
      this.duplicated++;
      const at = now + this.rng.int(this.faults.maxDelay * 2 + 1);
      this.queue.push(new InFlight(at, m.from, m.to, m.type, bytes));
    }
  }

  /** Messages due at `now`, in a random order; the rest stay queued. */
  due(now: number): InFlight[] {
    const out: InFlight[] = [];
    const keep: InFlight[] = [];
    for (const f of this.queue) (f.at <= now ? out : keep).push(f);
    this.queue = keep;
    return this.rng.shuffle(out);
  }

  /** Holds a message back until `at` (its receiver is paused). */
  requeue(f: InFlight, at: number): void {
    this.queue.push(f.at >= at ? f : new InFlight(at, f.from, f.to, f.type, f.message));
  }

  /** Whether the link is up and the message survives random loss. */
  passes(f: InFlight): boolean {
    return this.reachable(f.from, f.to) && !this.rng.chance(this.faults.drop);
  }

  reachable(from: NodeId, to: NodeId): boolean {
    if ((this.side.get(from) ?? 0) !== (this.side.get(to) ?? 0)) return false;
    return this.cut.size === 0 || !this.cut.has(`${from}>${to}`);
  }

  /** Splits the given nodes into sides (each node gets its side number). */
  partition(sides: ReadonlyMap<NodeId, number>): void {
    this.side = new Map(sides);
  }

  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}>${to}`);
  }

  get partitioned(): boolean {
    return this.cut.size > 0 || [...this.side.values()].some((s) => s !== 0);
  }

  heal(): void {
    this.side.clear();
    this.cut.clear();
  }
}
