// A 3-member cluster of Go etcd 2.0.13 and our members (go + ours + ours): see mixed-suite.ts.
// Short form: a Go leader snapshotting our member, kill -9, member add and remove both ways.
import { mixedSuite } from './mixed-suite.js';

mixedSuite(['go', 'ours', 'ours'], ['snap-from-go', 'kill9', 'members']);
