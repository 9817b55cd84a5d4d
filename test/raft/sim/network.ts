// The simulated network: every message is encoded as it would be on the wire (so no
// object is ever shared between two nodes), then delayed, reordered, duplicated or lost,
// and delivered only between nodes on the same side of the current partition.
import { decodeMessage, encodeMessage } from '../../../src/raft/codec.js';
import type { Message, MessageType, NodeId } from '../../../src/raft/types.js';
import type { Prng } from './prng.js';

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
    readonly bytes: Uint8Array,
  ) {}

  decode(): Message {
    return decodeMessage(this.bytes);
  }
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
    const bytes = encodeMessage(m);
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
