// A small Prometheus registry: counters, gauges and histograms with labels, rendered in
// the text exposition format (version 0.0.4) at /metrics. Names follow etcd's.

type LabelValues = string; // rendered label set, e.g. `method="GET",code="404"`

function fmt(v: number): string {
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  return String(v);
}

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
  ) {}
  abstract render(out: string[]): void;
  header(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`);
  }
}

export class Counter extends Metric {
  private readonly values = new Map<LabelValues, number>();
  constructor(name: string, help: string, type: 'counter' | 'gauge' = 'counter') {
    super(name, help, type);
  }
  inc(labels: LabelValues = '', by = 1): void {
    this.values.set(labels, (this.values.get(labels) ?? 0) + by);
  }
  set(v: number, labels: LabelValues = ''): void {
    this.values.set(labels, v);
  }
  get(labels: LabelValues = ''): number {
    return this.values.get(labels) ?? 0;
  }
  render(out: string[]): void {
    if (this.values.size === 0) return;
    this.header(out);
    const keys = [...this.values.keys()].sort();
    for (const k of keys) {
      out.push(`${this.name}${k === '' ? '' : `{${k}}`} ${fmt(this.values.get(k)!)}`);
    }
  }
}

/** A gauge whose value is read when scraped. */
export class GaugeFunc extends Metric {
  constructor(
    name: string,
    help: string,
    private readonly read: () => number,
  ) {
    super(name, help, 'gauge');
  }
  render(out: string[]): void {
    this.header(out);
    out.push(`${this.name} ${fmt(this.read())}`);
  }
}

class Series {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(n: number) {
    this.counts = new Float64Array(n);
  }
}

export class Histogram extends Metric {
  private readonly series = new Map<LabelValues, Series>();
  constructor(
    name: string,
    help: string,
    private readonly buckets: number[],
  ) {
    super(name, help, 'histogram');
  }
  /** The series for one label set, to keep on the hot path (no map lookup per call). */
  child(labels: LabelValues = ''): Series {
    let s = this.series.get(labels);
    if (s === undefined) {
      s = new Series(this.buckets.length);
      this.series.set(labels, s);
    }
    return s;
  }
  observe(v: number, labels: LabelValues = ''): void {
    Histogram.observeIn(this.child(labels), this.buckets, v);
  }
  observeChild(s: Series, v: number): void {
    Histogram.observeIn(s, this.buckets, v);
  }
  private static observeIn(s: Series, buckets: number[], v: number): void {
    s.sum += v;
    s.count++;
    for (let i = 0; i < buckets.length; i++) {
      if (v <= buckets[i]!) {
        s.counts[i]!++;
        return;
      }
    }
  }
  render(out: string[]): void {
    if (this.series.size === 0) return;
    this.header(out);
    const keys = [...this.series.keys()].sort();
    for (const k of keys) {
      const s = this.series.get(k)!;
      const pre = k === '' ? '' : `${k},`;
      let cum = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        cum += s.counts[i]!;
        out.push(`${this.name}_bucket{${pre}le="${fmt(this.buckets[i]!)}"} ${cum}`);
      }
      out.push(`${this.name}_bucket{${pre}le="+Inf"} ${s.count}`);
      const lbl = k === '' ? '' : `{${k}}`;
      out.push(`${this.name}_sum${lbl} ${fmt(s.sum)}`);
      out.push(`${this.name}_count${lbl} ${s.count}`);
    }
  }
}

export function exponentialBuckets(start: number, factor: number, n: number): number[] {
  const out: number[] = [];
  let v = start;
  for (let i = 0; i < n; i++) {
    out.push(Number(v.toPrecision(12)));
    v *= factor;
  }
  return out;
}

export class Registry {
  private readonly metrics: Metric[] = [];
  add<M extends Metric>(m: M): M {
    this.metrics.push(m);
    return m;
  }
  counter(name: string, help: string, type: 'counter' | 'gauge' = 'counter'): Counter {
    return this.add(new Counter(name, help, type));
  }
  histogram(name: string, help: string, buckets: number[]): Histogram {
    return this.add(new Histogram(name, help, buckets));
  }
  render(): string {
    const out: string[] = [];
    const sorted = [...this.metrics].sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const m of sorted) m.render(out);
    return out.length === 0 ? '' : `${out.join('\n')}\n`;
  }
}

/** etcd's buckets for disk latencies: 1 ms to ~8 s. */
const DISK_BUCKETS = exponentialBuckets(0.001, 2, 14);

/** Every metric a member shows, by name (etcd's, where etcd has it), with its help text. */
const HELP = {
  etcd_http_received_total:
    'Counter of requests received into the system (successfully parsed and authd).',
  etcd_http_failed_total:
    'Counter of handle failures of requests (non-watches), by method (GET/PUT etc.) and code (400, 500 etc.).',
  etcd_http_successful_duration_seconds:
    'Bucketed histogram of processing time (s) of successfully handled requests (non-watches), by method (GET/PUT etc.).',
  etcd_disk_wal_fsync_duration_seconds: 'The latency distributions of fsync called by WAL.',
  etcd_server_leader_changes_seen_total: 'The number of leader changes seen.',
  etcd_server_proposals_committed_total: 'The total number of consensus proposals committed.',
  etcd_server_proposals_applied_total: 'The total number of consensus proposals applied.',
  etcd_server_proposals_failed_total: 'The total number of failed proposals seen.',
  etcd_debugging_snap_save_total_duration_seconds:
    'The total latency distributions of save called by snapshot.',
  etcd_server_committed_index: 'The current committed index of this member.',
  etcd_server_applied_index: 'The current applied index of this member.',
  etcd_server_has_leader: 'Whether or not a leader exists. 1 is existence, 0 is not.',
  etcd_server_is_leader: 'Whether or not this member is a leader. 1 if is, 0 otherwise.',
  etcd_server_term: 'The current raft term of this member.',
  etcd_server_proposals_pending: 'The current number of pending proposals to commit.',
  nodejs_heap_size_used_bytes: 'Process heap size used from Node.js in bytes.',
  nodejs_heap_size_total_bytes: 'Process heap size from Node.js in bytes.',
  nodejs_external_memory_bytes: 'Node.js external memory size in bytes.',
  process_resident_memory_bytes: 'Resident memory size in bytes.',
} as const;

type MetricName = keyof typeof HELP;

/** The metrics one member keeps. */
export class MemberMetrics {
  readonly registry = new Registry();
  readonly httpReceived = this.counter('etcd_http_received_total');
  readonly httpFailed = this.counter('etcd_http_failed_total');
  readonly httpDuration = this.histogram(
    'etcd_http_successful_duration_seconds',
    exponentialBuckets(0.0005, 2, 13),
  );
  readonly walFsync = this.histogram('etcd_disk_wal_fsync_duration_seconds', DISK_BUCKETS);
  readonly leaderChanges = this.counter('etcd_server_leader_changes_seen_total');
  readonly proposalsCommitted = this.counter('etcd_server_proposals_committed_total', 'gauge');
  readonly proposalsApplied = this.counter('etcd_server_proposals_applied_total', 'gauge');
  readonly proposalsFailed = this.counter('etcd_server_proposals_failed_total');
  readonly snapshotSave = this.histogram(
    'etcd_debugging_snap_save_total_duration_seconds',
    DISK_BUCKETS,
  );

  constructor() {
    this.leaderChanges.set(0);
    this.proposalsCommitted.set(0);
    this.proposalsApplied.set(0);
    this.proposalsFailed.set(0);
  }

  private counter(name: MetricName, type: 'counter' | 'gauge' = 'counter'): Counter {
    return this.registry.counter(name, HELP[name], type);
  }

  private histogram(name: MetricName, buckets: number[]): Histogram {
    return this.registry.histogram(name, HELP[name], buckets);
  }

  private readonly methodLabels = new Map<string, string>();

  /** One handled client request: received by method; duration if it succeeded; else failed. */
  observeRequest(method: string, status: number, seconds: number, watch: boolean): void {
    let label = this.methodLabels.get(method);
    if (label === undefined) {
      label = `method="${method}"`;
      this.methodLabels.set(method, label);
    }
    this.httpReceived.inc(label);
    if (status >= 400) {
      this.httpFailed.inc(`code="${status}",${label}`);
    } else if (!watch) {
      this.httpDuration.observe(seconds, label);
    }
  }

  /** Adds gauges read from the member when scraped. */
  addGauges(g: {
    hasLeader: () => number;
    isLeader: () => number;
    term: () => number;
    pending: () => number;
    committed: () => number;
    applied: () => number;
  }): void {
    const gauges: [MetricName, () => number][] = [
      ['etcd_server_committed_index', g.committed],
      ['etcd_server_applied_index', g.applied],
      ['etcd_server_has_leader', g.hasLeader],
      ['etcd_server_is_leader', g.isLeader],
      ['etcd_server_term', g.term],
      ['etcd_server_proposals_pending', g.pending],
      ['nodejs_heap_size_used_bytes', () => process.memoryUsage().heapUsed],
      ['nodejs_heap_size_total_bytes', () => process.memoryUsage().heapTotal],
      ['nodejs_external_memory_bytes', () => process.memoryUsage().external],
      ['process_resident_memory_bytes', () => process.memoryUsage.rss()],
    ];
    for (const [name, read] of gauges) this.registry.add(new GaugeFunc(name, HELP[name], read));
  }
}
