// Adaptive busy polling for the client port. A thread asleep in epoll is woken in ~50 µs
// here; a client that sends its next request as soon as it has the answer (one connection,
// one request at a time: etcdctl, most clients) then waits that long every time. Go's
// runtime hides it by spinning idle threads a while before they sleep; this does the like
// for the event loop: after an answer, it keeps polling (setImmediate, so each turn polls
// without sleeping) for up to WINDOW_MS. Polls that see no request count as misses; after
// MAX_MISSES in a row it stops for BACKOFF_MS, so an idle or lightly used member does not
// burn CPU.
export const WINDOW_MS = 0.15;
export const MAX_MISSES = 8;
export const BACKOFF_MS = 1000;

export class BusyPoll {
  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly soon: (f: () => void) => void = (f) => setImmediate(f),
  ) {}

  private spinning = false;
  private deadline = 0;
  private misses = 0;
  private pausedUntil = 0;
  private sawRequest = false;

  /** A request arrived. */
  request(): void {
    this.sawRequest = true;
  }

  /** An answer went out: poll a little longer for the next request. */
  answered(): void {
    const now = this.now();
    if (now < this.pausedUntil) return;
    this.deadline = now + WINDOW_MS;
    if (this.spinning) return;
    this.spinning = true;
    this.sawRequest = false;
    this.soon(this.spin);
  }

  private readonly spin = (): void => {
    const now = this.now();
    if (now < this.deadline) {
      this.soon(this.spin);
      return;
    }
    // A spell that caught a request paid for itself; one that did not is a miss.
    this.spinning = false;
    if (this.sawRequest) this.misses = 0;
    else if (++this.misses >= MAX_MISSES) {
      this.misses = 0;
      this.pausedUntil = now + BACKOFF_MS;
    }
  };
}
