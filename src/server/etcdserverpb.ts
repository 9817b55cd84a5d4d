// etcd 2.0's etcdserverpb.Request, the data of every normal log entry, byte for byte as
// gogoproto marshals it: all 16 fields in order, always present (they are `required`),
// except PrevExist, which is nullable and written only when set. Decoding takes the fields
// in any order and skips unknown ones, as gogoproto does (which checks no required field).
import { ByteArena } from '../pkg/byte-arena.js';
import { fieldOf, ProtoReader, ProtoWriter, wireOf } from '../pkg/protobuf.js';
import { MessageCodec } from '../pkg/protobuf-schema.js';
import { newRequest, type V2Request } from '../store/request.js';

/** Encodings are written here, then copied to their exact size into `arena`. */
const scratch = new ProtoWriter(4096);
/** Entry data lives in the raft log until a snapshot compacts it, oldest first. */
const arena = new ByteArena();

/** etcdserverpb.Request's fields (PrevExist is its one nullable field). */
const REQUEST = new MessageCodec<V2Request>({
  hexId: { 1: 'id' },
  string: { 2: 'method', 3: 'path', 4: 'val', 6: 'prevValue' },
  bool: { 5: 'dir', 10: 'wait', 12: 'recursive', 13: 'sorted', 14: 'quorum', 16: 'stream' },
  uint: { 7: 'prevIndex', 11: 'since' },
  optionalBool: { 8: 'prevExist' },
  int64: { 9: 'expiration', 15: 'time' },
});

export function encodeRequest(r: V2Request): Uint8Array {
  const w = scratch;
  w.reset();
  REQUEST.write(w, r);
  const out = arena.copy(w.view());
  // A huge value grew the scratch buffer: do not keep megabytes for the next small one.
  if (w.buf.length > 1 << 16) w.buf = new Uint8Array(4096);
  return out;
}

class PbError extends Error {}

/** Decodes an etcdserverpb.Request (absent fields are zero, as in Go); throws on malformed bytes. */
export function decodeRequest(b: Uint8Array): V2Request {
  try {
    return readRequest(new ProtoReader(b));
  } catch (e) {
    throw new PbError(`etcdserverpb.Request: ${(e as Error).message}`);
  }
}

/** A uint64 field that must fit a JS number (an index). */
function safeNumber(rd: ProtoReader, what: string): number {
  const [hi, lo] = rd.varint64();
  if (hi >= 0x20_0000)
    throw new PbError(`${what} ${(BigInt(hi) << 32n) | BigInt(lo)} is too large`);
  return hi * 0x1_0000_0000 + lo;
}

function readRequest(rd: ProtoReader): V2Request {
  const r = newRequest('', '');
  while (!rd.done) {
    const tag = rd.tag();
    const field = fieldOf(tag);
    const wire = wireOf(tag);
    const want = REQUEST.wireOf(field);
    if (want >= 0 && wire !== want) throw new PbError(`field ${field} has wire type ${wire}`);
    if (field === 1) r.id = rd.hexVarint();
    else if (field === 2) r.method = rd.string();
    else if (field === 3) r.path = rd.string();
    else if (field === 4) r.val = rd.string();
    else if (field === 5) r.dir = rd.bool64();
    else if (field === 6) r.prevValue = rd.string();
    else if (field === 7) r.prevIndex = safeNumber(rd, 'PrevIndex');
    else if (field === 8) r.prevExist = rd.bool64();
    else if (field === 9) r.expiration = rd.int64();
    else if (field === 10) r.wait = rd.bool64();
    else if (field === 11) r.since = safeNumber(rd, 'Since');
    else if (field === 12) r.recursive = rd.bool64();
    else if (field === 13) r.sorted = rd.bool64();
    else if (field === 14) r.quorum = rd.bool64();
    else if (field === 15) r.time = rd.int64();
    else if (field === 16) r.stream = rd.bool64();
    // Unknown fields are skipped (gogoproto keeps them aside).
    else rd.skip(wire);
  }
  return r;
}
