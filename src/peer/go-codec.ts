// What the 2.0 wire carries, bound to the raftpb protobuf codec (src/raft/raftpb.ts):
// a Go 2.0 member only knows message types 0-9 and no message context, so anything else
// must never be sent to one.
import { type Entry, type Message, MessageType } from '../raft/types.js';
import {
  decodeEntry as pbDecodeEntry,
  decodeMessage as pbDecodeMessage,
  encodeEntry as pbEncodeEntry,
  encodeMessage as pbEncodeMessage,
} from '../raft/raftpb.js';

/** True for the message types etcd 2.0's raft knows (MsgHup..MsgHeartbeatResp). */
export function goUnderstands(t: MessageType): boolean {
  return t >= MessageType.Hup && t <= MessageType.HeartbeatResp;
}

export function goEncodeMessage(m: Message): Uint8Array {
  return pbEncodeMessage(m);
}

export function goDecodeMessage(b: Uint8Array): Message {
  return pbDecodeMessage(b);
}

export function goEncodeEntry(e: Entry): Uint8Array {
  return pbEncodeEntry(e);
}

export function goDecodeEntry(b: Uint8Array): Entry {
  return pbDecodeEntry(b);
}
