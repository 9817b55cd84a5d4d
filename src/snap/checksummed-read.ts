// Reading a snapshot file with its checksum computed on the way: the file is read in
// chunks, and while the thread pool reads the next one the main thread checksums the last
// (a snapshot of a million keys is ~370 MB; read first and checksummed after, start-up
// spent over half a second on the checksum alone with the other core idle).
import { crc32cUpdate } from '../pkg/crc32c.js';
import { readWhole } from '../pkg/fileutil.js';
import { ProtoReader } from '../pkg/protobuf.js';

const CHUNK = 4 << 20;

export interface ChecksummedFile {
  buf: Uint8Array;
  /** The CRC-32C of snappb's data field, bytes [start, end), or null if not found. */
  data: { start: number; end: number; crc: number } | null;
}

/**
 * snappb's crc and where its data field lies, from the file's first `n` bytes (crc field,
 * then data's tag and length, as etcd writes it), or null if they do not read so (or are
 * not all there yet): the caller then reads the file another way.
 */
export function snappbDataField(
  b: Uint8Array,
  n: number,
): { crc: number; start: number; end: number } | null {
  try {
    const r = new ProtoReader(b, 0, n);
    if (r.tag() !== 0x08) return null;
    const crc = r.uint32();
    if (r.tag() !== 0x12) return null;
    const len = r.varint();
    return { crc, start: r.pos, end: r.pos + len };
  } catch {
    return null; // cut short (not all read yet) or not a field header
  }
}

export async function readChecksummed(file: string): Promise<ChecksummedFile> {
  let field: { start: number; end: number } | null = null;
  let other = false; // not etcd's layout: the caller checksums the field itself
  let crc = 0;
  let summed = -1;
  const buf = await readWhole(file, CHUNK, (b, read) => {
    if (field === null && !other) {
      field = snappbDataField(b, read);
      if (field !== null) summed = field.start;
      else other = read >= 64 || read >= b.length;
    }
    if (field !== null && summed < field.end) {
      const to = Math.min(read, field.end);
      if (to > summed) crc = crc32cUpdate(crc, b, summed, to);
      summed = to;
    }
  });
  const f = field as { start: number; end: number } | null;
  return { buf, data: f !== null && summed === f.end ? { ...f, crc } : null };
}
