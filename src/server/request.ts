// Request ids for proposals.

/**
 * Unique ids for proposals: unique across members (the member ID), across restarts (the
 * start time) and within a run (a counter), so a waiter never matches another proposal.
 */
export class RequestIds {
  private readonly prefix: string;
  private n = 0;

  constructor(memberId: string, startMs: number) {
    this.prefix = `${memberId}.${startMs.toString(36)}.`;
  }

  next(): string {
    return this.prefix + (this.n++).toString(36);
  }
}
