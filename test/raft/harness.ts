// Raft-level test harness after etcd's raft_test.go: Raft state machines stepped
// directly, their messages routed synchronously by a network that can drop, cut and
// ignore. Unstable entries are left unpersisted, as in etcd's tests.
import type { Config } from '../../src/raft/interface.js';
import { Raft } from '../../src/raft/raft.js';
import { MemoryStorage } from '../../src/raft/storage.js';
import {
  EMPTY_BYTES,
  type Entry,
  EntryType,
  type Message,
  MessageType,
  type NodeId,
  newMessage,
  type Snapshot,
} from '../../src/raft/types.js';
import { seeded } from './network.js';

export function ids(n: number): NodeId[] {
  return Array.from({ length: n }, (_, i) => String(i + 1));
}

export function storageWith(voters: NodeId[], learners: NodeId[] = []): MemoryStorage {
  return new MemoryStorage({ voters, learners });
}

export function newTestRaft(
  id: NodeId,
  election: number,
  heartbeat: number,
  storage: MemoryStorage,
  over: Partial<Config> = {},
): Raft {
  return new Raft({
    id,
    electionTick: election,
    heartbeatTick: heartbeat,
    storage,
    applied: 0,
    maxSizePerMsg: Number.MAX_SAFE_INTEGER,
    maxInflightMsgs: 256,
    checkQuorum: false,
    preVote: false,
    random: seeded(Number.parseInt(id, 16) * 7919 + 1),
    ...over,
  });
}

/** A raft with a fresh storage of the given voters. */
export function raftOf(
  id: NodeId,
  voters: NodeId[],
  over: Partial<Config> = {},
  e = 10,
  h = 1,
): Raft {
  return newTestRaft(id, e, h, storageWith(voters), over);
}

export function readMessages(r: Raft): Message[] {
  const m = r.msgs;
  r.msgs = [];
  return m;
}

export function ent(index: number, term: number, data = ''): Entry {
  return {
    index,
    term,
    type: EntryType.Normal,
    data: data === '' ? EMPTY_BYTES : new Uint8Array(Buffer.from(data)),
  };
}

export function msg(p: Partial<Message> & { type: MessageType }): Message {
  const m = newMessage(p.type, p.to ?? '', p.from ?? '', p.term ?? 0);
  Object.assign(m, p);
  return m;
}

export function hup(id: NodeId): Message {
  return msg({ type: MessageType.Hup, from: id, to: id });
}

export function prop(id: NodeId, data = 'somedata'): Message {
  return msg({ type: MessageType.Prop, from: id, to: id, entries: [ent(0, 0, data)] });
}

/** Appends entries with the given terms (indexes 1..n) to a fresh storage for `voters`. */
export function storageWithTerms(terms: number[], voters: NodeId[]): MemoryStorage {
  const s = storageWith(voters);
  s.append(terms.map((t, i) => ent(i + 1, t)));
  return s;
}

/** A follower whose log has the given terms, at the last term (etcd's entsWithConfig). */
export function entsWithConfig(
  terms: number[],
  over: Partial<Config> = {},
): (id: NodeId, voters: NodeId[]) => Raft {
  return (id, voters) => {
    const s = storageWithTerms(terms, voters);
    const r = newTestRaft(id, 5, 1, s, over);
    r.becomeFollower(terms[terms.length - 1] ?? 0, '');
    return r;
  };
}

/** A node that voted for `vote` in `term` and has an empty log (etcd's votedWithConfig). */
export function votedWithConfig(
  vote: NodeId,
  term: number,
  over: Partial<Config> = {},
): (id: NodeId, voters: NodeId[]) => Raft {
  return (id, voters) => {
    const s = storageWith(voters);
    s.setHardState({ term, vote, commit: 0 });
    return newTestRaft(id, 5, 1, s, over);
  };
}

export const BLACKHOLE = 'blackhole' as const;
type PeerSpec = null | typeof BLACKHOLE | ((id: NodeId, voters: NodeId[]) => Raft) | Raft;

export class RaftNet {
  peers = new Map<NodeId, Raft | null>();
  storage = new Map<NodeId, MemoryStorage>();
  /** Drop probability per "from->to" (1 = always). */
  dropm = new Map<string, number>();
  ignorem = new Set<MessageType>();
  /** Sees every message before delivery; returning false drops it. */
  msgHook: ((m: Message) => boolean) | null = null;
  private rnd = seeded(42);

  constructor(specs: PeerSpec[], over: Partial<Config> = {}) {
    const all = ids(specs.length);
    specs.forEach((spec, i) => {
      const id = all[i]!;
      if (spec === BLACKHOLE) {
        this.peers.set(id, null);
      } else if (spec === null) {
        const s = storageWith(all);
        this.storage.set(id, s);
        this.peers.set(id, newTestRaft(id, 10, 1, s, over));
      } else if (spec instanceof Raft) {
        this.peers.set(id, spec);
      } else {
        this.peers.set(id, spec(id, all));
      }
    });
  }

  raft(id: NodeId): Raft {
    const r = this.peers.get(id);
    if (!r) throw new Error(`no raft ${id}`);
    return r;
  }

  send(...msgs: Message[]): void {
    const q = [...msgs];
    while (q.length > 0) {
      const m = q.shift()!;
      const p = this.peers.get(m.to);
      if (!p) continue;
      try {
        p.step(m);
      } catch (err) {
        if ((err as Error).name !== 'ProposalDroppedError') throw err;
      }
      q.push(...this.filter(readMessages(p)));
    }
  }

  drop(from: NodeId, to: NodeId, perc: number): void {
    this.dropm.set(`${from}->${to}`, perc);
  }

  cut(a: NodeId, b: NodeId): void {
    this.drop(a, b, 2);
    this.drop(b, a, 2);
  }

  isolate(id: NodeId): void {
    for (const other of this.peers.keys()) {
      if (other !== id) this.cut(id, other);
    }
  }

  ignore(t: MessageType): void {
    this.ignorem.add(t);
  }

  recover(): void {
    this.dropm.clear();
    this.ignorem.clear();
  }

  filter(msgs: Message[]): Message[] {
    const out: Message[] = [];
    for (const m of msgs) {
      if (this.ignorem.has(m.type)) continue;
      if (m.type === MessageType.Hup) throw new Error('unexpected MsgHup');
      const perc = this.dropm.get(`${m.from}->${m.to}`) ?? 0;
      if (perc > 0 && this.rnd() < perc) continue;
      if (this.msgHook && !this.msgHook(m)) continue;
      out.push(m);
    }
    return out;
  }
}

export function snapshotAt(
  index: number,
  term: number,
  voters: NodeId[],
  learners: NodeId[] = [],
): Snapshot {
  return { data: EMPTY_BYTES, metadata: { index, term, confState: { voters, learners } } };
}

/** Snapshots `r`'s applied state (no data) into `s` and compacts the log there. */
export function snapshotApplied(r: Raft, s: MemoryStorage): void {
  s.createSnapshot(r.raftLog.applied, { voters: r.prs.voters, learners: [] }, EMPTY_BYTES);
  s.compact(r.raftLog.applied);
}

/** The log's entries as [index, term] pairs. */
export function logTerms(r: Raft): Array<[number, number]> {
  return r.raftLog.allEntries().map((e) => [e.index, e.term]);
}

/** Persists everything unstable (as a Ready cycle would) without touching messages. */
export function persist(r: Raft, s: MemoryStorage): void {
  const snap = r.raftLog.unstable.snapshot;
  if (snap) {
    s.applySnapshot(snap);
    r.raftLog.stableSnapTo(snap.metadata.index);
  }
  const es = r.raftLog.unstableEntries();
  if (es.length) {
    s.append(es);
    const last = es[es.length - 1]!;
    r.raftLog.stableTo(last.index, last.term);
  }
}

/** Node 1 of `voters`, made leader by hand (no election). */
export function leaderOf(voters: string[], s = storageWith(voters)): Raft {
  const r = newTestRaft('1', 10, 1, s);
  r.becomeCandidate();
  r.becomeLeader();
  return r;
}

/** Persists the unstable log and applies what is committed (etcd's nextEnts). */
export function nextEnts(r: Raft, s: MemoryStorage): Entry[] {
  persist(r, s);
  const ents = r.raftLog.nextEnts();
  r.raftLog.appliedTo(r.raftLog.committed);
  return ents;
}

/** Messages in a stable order: by recipient, then type. */
export function sorted(ms: Message[]): Message[] {
  return ms.slice().sort((a, b) => Number(a.to) - Number(b.to) || a.type - b.type);
}

/** The given fields of each message, in sorted() order. */
export function pick(ms: Message[], ...keys: Array<keyof Message>): Array<Partial<Message>> {
  return sorted(ms).map((m) => {
    const o: Partial<Message> = {};
    for (const k of keys) (o as Record<string, unknown>)[k] = m[k];
    return o;
  });
}
