// The JSON shapes of etcd's /v2/stats/self and /v2/stats/leader (etcdserver/stats), in
// one place for the member that writes them, the transport that counts, and the client.

/** The transport's part of /v2/stats/self, keys in etcd's order, zero rates omitted. */
export interface SelfStatsCounts {
  recvAppendRequestCnt: number;
  recvPkgRate?: number;
  recvBandwidthRate?: number;
  sendAppendRequestCnt: number;
  sendPkgRate?: number;
  sendBandwidthRate?: number;
}

/** /v2/stats/self (etcd's ServerStats). */
export interface SelfStatsJSON extends SelfStatsCounts {
  name: string;
  id: string;
  state: string;
  startTime: string;
  leaderInfo: { leader: string; uptime: string; startTime: string };
}

export interface FollowerStatsJSON {
  latency: {
    current: number;
    average: number;
    standardDeviation: number;
    minimum: number;
    maximum: number;
  };
  counts: { fail: number; success: number };
}

/** /v2/stats/leader (etcd's LeaderStats). */
export interface LeaderStatsJSON {
  leader: string;
  followers: Record<string, FollowerStatsJSON>;
}
