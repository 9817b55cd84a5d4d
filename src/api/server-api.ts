// What the client API needs from a member beyond the keys backend: membership, stats,
// metrics. src/server/member.ts implements it.

export interface MemberView {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
}

export interface MembersApi {
  clusterId(): string;
  members(): MemberView[];
  /** The leader's ID, '' when there is none. */
  leader(): string;
  /** Rejects with the server's ServerError when refused. */
  addMember(peerURLs: string[]): Promise<MemberView>;
  removeMember(id: string): Promise<void>;
  updateMember(id: string, peerURLs: string[]): Promise<void>;
}

export interface StatsApi {
  selfStatsJSON(): string;
  /** null when this member is not the leader. */
  leaderStatsJSON(): string | null;
  storeStatsJSON(): string;
  metricsText(): string;
  /** Records one handled client request (etcd_http_* metrics). */
  observeRequest(method: string, status: number, seconds: number, watch: boolean): void;
}

/** A failure the members API reports as `{"message": ...}` with this status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
