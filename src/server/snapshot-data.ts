// What a raft snapshot carries for this server: the membership and the v2 store, in one
// buffer: [u32 LE length of membership JSON][membership JSON][store bytes].
import { Membership } from './membership.js';

export function encodeSnapshotData(members: Membership, store: Uint8Array): Uint8Array {
  const ms = Buffer.from(JSON.stringify(members.toJSON()), 'utf8');
  const out = Buffer.allocUnsafe(4 + ms.length + store.length);
  out.writeUInt32LE(ms.length, 0);
  ms.copy(out, 4);
  out.set(store, 4 + ms.length);
  return out;
}

export function decodeSnapshotData(b: Uint8Array): { members: Membership; store: Uint8Array } {
  if (b.length < 4) throw new Error(`snapshot data too short (${b.length} bytes)`);
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const n = buf.readUInt32LE(0);
  if (4 + n > buf.length) throw new Error('snapshot data: membership length out of range');
  const members = Membership.fromJSON(JSON.parse(buf.subarray(4, 4 + n).toString('utf8')));
  return { members, store: buf.subarray(4 + n) };
}
