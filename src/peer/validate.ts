// A decoded message is checked for shape before raft sees it: protobuf (and our framing)
// decode almost any bytes into *some* message, and raft treats an impossible message from
// a peer as a broken invariant. Only what can be judged without raft's state is checked.
import { EntryType, isLocalMessage, type Message, MessageType } from '../raft/types.js';

/** Why a received message is malformed, or null when its shape is sound. */
export function malformed(m: Message): string | null {
  if (!(m.type in MessageType) || isLocalMessage(m.type)) return `message type ${m.type}`;
  if (m.from === '') return 'no sender';
  const es = m.entries;
  if (es.length > 0 && m.type !== MessageType.App && m.type !== MessageType.Prop) {
    return `entries in a ${MessageType[m.type]}`;
  }
  if (m.type === MessageType.App) {
    if (m.logTerm > m.term) return 'append after an entry of a later term';
    let prevTerm = m.logTerm;
    for (let i = 0; i < es.length; i++) {
      const e = es[i]!;
      if (e.index !== m.index + 1 + i) return `entry ${e.index} out of sequence`;
      if (e.term < prevTerm || e.term > m.term) return `entry ${e.index} of term ${e.term}`;
      if (e.type !== EntryType.Normal && e.type !== EntryType.ConfChange) {
        return `entry ${e.index} of type ${e.type}`;
      }
      prevTerm = e.term;
    }
  }
  if (m.type === MessageType.Snap && (m.snapshot === null || m.snapshot.metadata.index === 0)) {
    return 'snapshot message without a snapshot';
  }
  return null;
}

export class MalformedMessageError extends Error {
  constructor(why: string) {
    super(`malformed raft message (${why})`);
    this.name = 'MalformedMessageError';
  }
}

/** Throws MalformedMessageError unless the message's shape is sound. */
export function checkShape(m: Message): Message {
  const why = malformed(m);
  if (why !== null) throw new MalformedMessageError(why);
  return m;
}
