// A small synchronous network of RawNodes for unit tests: persists each Ready to a
// MemoryStorage, applies committed entries (conf changes included) and routes messages,
// with optional drops and isolation.
import { Prng } from '../../src/pkg/prng.js';
import { decodeConfChange } from '../../src/raft/codec.js';
import type { Config } from '../../src/raft/interface.js';
import { RawNode } from '../../src/raft/rawnode.js';
import { MemoryStorage } from '../../src/raft/storage.js';
import {
  type ConfState,
  type Entry,
  EntryType,
  type Message,
  type MessageType,
  type NodeId,
  type ReadState,
} from '../../src/raft/types.js';

/** Uniform [0, 1) from the project's seeded PRNG, so tests are reproducible. */
export function seeded(seed: number): () => number {
  const p = new Prng(seed);
  return () => p.next();
}

export function config(id: NodeId, storage: MemoryStorage, over: Partial<Config> = {}): Config {
  return {
    id,
    electionTick: 10,
    heartbeatTick: 1,
    storage,
    applied: 0,
    maxSizePerMsg: 1024 * 1024,
    maxInflightMsgs: 256,
    checkQuorum: false,
    preVote: false,
    random: seeded(Number.parseInt(id, 16) || 1),
    ...over,
  };
}

export interface TestNode {
  id: NodeId;
  rn: RawNode;
  storage: MemoryStorage;
  applied: Entry[];
  confState: ConfState | null;
  readStates: ReadState[];
}

export class Network {
  nodes = new Map<NodeId, TestNode>();
  /** Messages in flight, delivered by deliver()/stabilize(). */
  queue: Message[] = [];
  /** Links that drop everything: "from->to". */
  cut = new Set<string>();
  /** Message types dropped everywhere. */
  dropTypes = new Set<MessageType>();
  /** Every message sent, for inspection. */
  log: Message[] = [];

  constructor(ids: NodeId[], over: Partial<Config> = {}, bootstrap = true) {
    for (const id of ids) this.add(id, over, bootstrap ? ids : null);
  }

  add(id: NodeId, over: Partial<Config> = {}, peers: NodeId[] | null = null): TestNode {
    const storage = new MemoryStorage();
    const rn = new RawNode(config(id, storage, over));
    if (peers) rn.bootstrap(peers.map((p) => ({ id: p, context: new Uint8Array(0) })));
    const n: TestNode = { id, rn, storage, applied: [], confState: null, readStates: [] };
    this.nodes.set(id, n);
    return n;
  }

  node(id: NodeId): TestNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}->${other}`);
      this.cut.add(`${other}->${id}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  /** Handles every pending Ready of every node once; returns true if any had one. */
  processReadies(): boolean {
    let any = false;
    for (const n of this.nodes.values()) {
      while (n.rn.hasReady()) {
        any = true;
        const rd = n.rn.ready();
        if (rd.snapshot) {
          n.storage.applySnapshot(rd.snapshot);
          n.confState = rd.snapshot.metadata.confState;
        }
        n.storage.append(rd.entries);
        if (rd.hardState) n.storage.setHardState(rd.hardState);
        for (const m of rd.messages) {
          this.log.push(m);
          this.queue.push(m);
        }
        for (const e of rd.committedEntries) {
          n.applied.push(e);
          if (e.type === EntryType.ConfChange) {
            n.confState = n.rn.applyConfChange(decodeConfChange(e.data));
          }
        }
        for (const rs of rd.readStates) n.readStates.push(rs);
        n.rn.advance(rd);
      }
    }
    return any;
  }

  /** Delivers the queued messages (those sent so far), respecting cuts and drops. */
  deliver(): boolean {
    const q = this.queue;
    this.queue = [];
    for (const m of q) {
      if (this.cut.has(`${m.from}->${m.to}`) || this.dropTypes.has(m.type)) continue;
      const to = this.nodes.get(m.to);
      if (!to) continue;
      try {
        to.rn.step(m);
      } catch (err) {
        if ((err as Error).name !== 'ProposalDroppedError') throw err;
      }
    }
    return q.length > 0;
  }

  /** Runs readies and deliveries until nothing moves. */
  stabilize(max = 10_000): void {
    for (let i = 0; i < max; i++) {
      const a = this.processReadies();
      const b = this.deliver();
      if (!a && !b) return;
    }
    throw new Error('network did not stabilize');
  }

  tickAll(n = 1): void {
    for (let i = 0; i < n; i++) {
      for (const node of this.nodes.values()) node.rn.tick();
      this.stabilize();
    }
  }

  /** Campaigns on id and settles. */
  elect(id: NodeId): void {
    this.stabilize();
    this.node(id).rn.campaign();
    this.stabilize();
  }

  /** Applied Normal entries with data, as strings. */
  data(id: NodeId): string[] {
    return this.node(id)
      .applied.filter((e) => e.type === EntryType.Normal && e.data.length > 0)
      .map((e) => Buffer.from(e.data).toString());
  }

  leader(): TestNode | null {
    for (const n of this.nodes.values()) if (n.rn.state === 2) return n;
    return null;
  }
}

export function bytes(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s));
}
