// Who leads, as raft's soft state says, and since when (etcd's leaderInfo), with the log
// lines etcd writes when the leader changes.
import type { Logger } from '../pkg/logger.js';
import { NONE, type NodeId, type SoftState, StateType } from '../raft/types.js';
import type { Scheduler } from './scheduler.js';

export class Leadership {
  lead: NodeId = NONE;
  state: StateType = StateType.Follower;
  /** Wall-clock ms since which this member follows (or is) the current leader; 0: never. */
  since = 0;
  private sinceMono = 0;
  /** Set once this member has seen a leader of its cluster. */
  hadLeader = false;

  constructor(
    private readonly id: NodeId,
    private readonly sched: Scheduler,
    private readonly log: Logger,
  ) {}

  get isLeader(): boolean {
    return this.state === StateType.Leader;
  }

  get hasLeader(): boolean {
    return this.lead !== NONE;
  }

  /** Nanoseconds since `since` (monotonic). */
  uptimeNs(): number {
    return (this.sched.monotonic() - this.sinceMono) * 1e6;
  }

  /** Takes raft's new soft state; says whether a (new) leader is known and if it is us. */
  update(ss: SoftState, term: number): { newLeader: boolean; becameLeader: boolean } {
    if (ss.lead !== NONE) this.hadLeader = true;
    const changed = ss.lead !== this.lead;
    if (changed) {
      if (ss.lead === NONE) {
        this.log.info(`raft: raft.node: ${this.id} lost leader ${this.lead} at term ${term}`);
      } else {
        const what =
          this.lead === NONE
            ? `elected leader ${ss.lead}`
            : `changed leader from ${this.lead} to ${ss.lead}`;
        this.log.info(`raft: raft.node: ${this.id} ${what} at term ${term}`);
        this.mark();
      }
    }
    const wasLeader = this.isLeader;
    this.lead = ss.lead;
    this.state = ss.raftState;
    const becameLeader = this.isLeader && !wasLeader;
    if (becameLeader) this.mark();
    return { newLeader: changed && ss.lead !== NONE, becameLeader };
  }

  private mark(): void {
    this.since = this.sched.now();
    this.sinceMono = this.sched.monotonic();
  }
}
