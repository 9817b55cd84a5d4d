// A 3-member cluster of Go etcd 2.0.13 and our members (go + go + ours): see mixed-suite.ts.
// Short form: failover on each side, TTL and watches, our leader snapshotting a Go member.
import { mixedSuite } from './mixed-suite.js';

mixedSuite(['go', 'go', 'ours'], ['failover', 'ttl-watch', 'snap-from-ours']);
