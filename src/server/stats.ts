// /v2/stats/self and /v2/stats/leader, in etcd's ServerStats and LeaderStats JSON shapes.
import type { StateType } from '../raft/types.js';
import type { SelfStatsCounts, SelfStatsJSON } from '../pkg/stats-json.js';
import { formatGoDuration, formatGoTime, GO_MAX_DURATION, GO_ZERO_TIME } from '../pkg/go-time.js';

const STATE_NAMES = ['StateFollower', 'StateCandidate', 'StateLeader', 'StatePreCandidate'];

/** The transport's counters (src/peer's Transport has this shape). */
export type TransportSelfStats = SelfStatsCounts;

export interface SelfStatsInput {
  name: string;
  id: string;
  state: StateType;
  /** Wall-clock ms the member started. */
  startTime: number;
  lead: string;
  /** Wall-clock ms since which this member follows (or is) the leader; 0: no leader yet. */
  leaderSince: number;
  /** Nanoseconds since then (monotonic). */
  leaderUptimeNs: number;
  counts: TransportSelfStats;
}

export function selfStatsJSON(s: SelfStatsInput): string {
  const out: SelfStatsJSON = {
    name: s.name,
    id: s.id,
    state: STATE_NAMES[s.state] ?? 'StateFollower',
    startTime: formatGoTime(s.startTime),
    leaderInfo: {
      leader: s.lead,
      uptime: s.leaderSince > 0 ? formatGoDuration(s.leaderUptimeNs) : GO_MAX_DURATION,
      startTime: s.leaderSince > 0 ? formatGoTime(s.leaderSince) : GO_ZERO_TIME,
    },
    ...s.counts,
  };
  return JSON.stringify(out);
}

/** The leader's view of its followers, as the transport reports it. */
export function leaderStatsJSON(id: string, transportStats: unknown): string {
  const followers = transportStats ?? {};
  const f =
    typeof followers === 'object' && followers !== null && 'followers' in followers
      ? (followers as { followers: unknown }).followers
      : followers;
  return JSON.stringify({ leader: id, followers: f });
}
