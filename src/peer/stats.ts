// Statistics kept by the transport for /v2/stats/leader and /v2/stats/self, in etcd's
// shapes (etcdserver/api/v2stats: leader.go, server.go, queue.go).
import type {
  FollowerStatsJSON,
  LeaderStatsJSON,
  SelfStatsCounts as SelfStatsJSON,
} from '../pkg/stats-json.js';

export type { FollowerStatsJSON, LeaderStatsJSON, SelfStatsJSON };

/** etcd initialises a follower's minimum latency to 1<<63 ns; JSON prints 9223372036854776000. */
const NO_MINIMUM = 2 ** 63;

/** One follower's entry under `followers` in /v2/stats/leader. */
export class FollowerStats {
  current = 0;
  average = 0;
  private averageSquare = 0;
  standardDeviation = 0;
  minimum = NO_MINIMUM;
  maximum = 0;
  samples = 0;
  fail = 0;
  success = 0;

  /** A measured round trip in milliseconds (etcd's Succ latency arithmetic). */
  latency(ms: number): void {
    // Whole nanoseconds, as etcd's time.Duration gives (no float noise in the JSON).
    ms = Math.round(ms * 1e6) / 1e6;
    const total = this.samples * this.average;
    const totalSquare = this.samples * this.averageSquare;
    this.samples++;
    this.current = ms;
    if (ms > this.maximum) this.maximum = ms;
    if (ms < this.minimum) this.minimum = ms;
    this.average = (total + ms) / this.samples;
    this.averageSquare = (totalSquare + ms * ms) / this.samples;
    const variance = this.averageSquare - this.average * this.average;
    this.standardDeviation = variance > 0 ? Math.sqrt(variance) : 0;
  }

  toJSON(): FollowerStatsJSON {
    return {
      latency: {
        current: this.current,
        average: this.average,
        standardDeviation: this.standardDeviation,
        minimum: this.minimum,
        maximum: this.maximum,
      },
      counts: { fail: this.fail, success: this.success },
    };
  }
}

const QUEUE_CAPACITY = 200;

/**
 * etcd's statsQueue: the last 200 append requests (time, size). The rate is taken over
 * the span they cover, and is zero once the newest is more than a second old.
 */
export class RateQueue {
  private readonly times = new Float64Array(QUEUE_CAPACITY);
  private readonly sizes = new Float64Array(QUEUE_CAPACITY);
  private head = 0; // index of the oldest
  private len = 0;
  private totalSize = 0;

  insert(at: number, size: number): void {
    if (this.len === QUEUE_CAPACITY) {
      this.totalSize -= this.sizes[this.head]!;
      this.head = (this.head + 1) % QUEUE_CAPACITY;
      this.len--;
    }
    const i = (this.head + this.len) % QUEUE_CAPACITY;
    this.times[i] = at;
    this.sizes[i] = size;
    this.len++;
    this.totalSize += size;
  }

  /** [packets per second, bytes per second] at time `now` (ms). */
  rate(now: number): [number, number] {
    if (this.len === 0) return [0, 0];
    const front = this.times[this.head]!;
    const back = this.times[(this.head + this.len - 1) % QUEUE_CAPACITY]!;
    if (now - back > 1000) {
      this.len = 0;
      this.head = 0;
      this.totalSize = 0;
      return [0, 0];
    }
    const span = back - front;
    // One sample (or all at one instant) has no span: etcd would divide by zero.
    if (span <= 0) return [0, 0];
    return [(this.len / span) * 1000, (this.totalSize / span) * 1000];
  }
}

/** Append counters and rates for /v2/stats/self. */
export class SelfStats {
  sendAppendRequestCnt = 0;
  recvAppendRequestCnt = 0;
  readonly sendQueue = new RateQueue();
  readonly recvQueue = new RateQueue();

  sendAppend(at: number, size: number): void {
    this.sendAppendRequestCnt++;
    this.sendQueue.insert(at, size);
  }

  recvAppend(at: number, size: number): void {
    this.recvAppendRequestCnt++;
    this.recvQueue.insert(at, size);
  }

  toJSON(now: number): SelfStatsJSON {
    const [rp, rb] = this.recvQueue.rate(now);
    const [sp, sb] = this.sendQueue.rate(now);
    // Built in etcd's field order; rates are omitempty there.
    const out: Partial<SelfStatsJSON> = { recvAppendRequestCnt: this.recvAppendRequestCnt };
    if (rp !== 0) out.recvPkgRate = rp;
    if (rb !== 0) out.recvBandwidthRate = rb;
    out.sendAppendRequestCnt = this.sendAppendRequestCnt;
    if (sp !== 0) out.sendPkgRate = sp;
    if (sb !== 0) out.sendBandwidthRate = sb;
    return out as SelfStatsJSON;
  }
}
