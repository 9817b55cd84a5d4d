// etcd's publish: a member makes its name and client URLs known to the cluster through the
// log, once there is a leader, retrying until the entry is applied.
import type { Logger } from '../pkg/logger.js';
import { newRequest, type V2Request } from '../store/request.js';

type State = 'unpublished' | 'publishing' | 'published';

export class Publisher {
  private state: State = 'unpublished';

  constructor(
    private readonly id: string,
    private readonly name: string,
    private readonly clientUrls: readonly string[],
    private readonly cid: string,
    private readonly propose: (r: V2Request) => Promise<unknown>,
    private readonly log: Logger,
  ) {}

  get pending(): boolean {
    return this.state === 'unpublished';
  }

  publish(): void {
    if (this.state !== 'unpublished') return;
    // Always through the log, even when the local view already has these attributes: the
    // other members learn this member's client URLs only from the entry.
    const r = newRequest('PUT', `/0/members/${this.id}/attributes`);
    r.val = JSON.stringify({ name: this.name, clientURLs: this.clientUrls });
    this.state = 'publishing';
    this.propose(r).then(
      () => {
        this.state = 'published';
        this.log.info(
          `etcdserver: published {Name:${this.name} ClientURLs:[${this.clientUrls.join(' ')}]} to cluster ${this.cid}`,
        );
      },
      () => {
        if (this.state === 'publishing') this.state = 'unpublished';
      },
    );
  }
}
