// Request IDs as etcd 2.0 makes them (pkg/idutil): the member ID's low byte, then 40 bits of
// the start time in ms, then a 16-bit counter; the lower 56 bits count up from there. IDs
// from different members never collide, and a restarted member starts past its old ones.

const SUFFIX_BITS = 56n;
const SUFFIX_MASK = (1n << SUFFIX_BITS) - 1n;
const TS_MASK = (1n << 40n) - 1n;

export class RequestIdGenerator {
  private readonly prefix: bigint;
  private suffix: bigint;

  /** `memberId` as hex (its low 8 bits are used), `nowMs` the start time. */
  constructor(memberId: string, nowMs: number) {
    const low = BigInt(`0x${memberId.length > 2 ? memberId.slice(-2) : memberId || '0'}`);
    this.prefix = low << SUFFIX_BITS;
    this.suffix = (BigInt(Math.floor(nowMs)) & TS_MASK) << 16n;
  }

  /** The next ID, as lowercase hex. */
  next(): string {
    this.suffix++;
    return (this.prefix | (this.suffix & SUFFIX_MASK)).toString(16);
  }
}
