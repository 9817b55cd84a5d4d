// A 3-member cluster of Go etcd 2.0.13 and our members (go + ours + ours): see mixed-suite.ts.
import { mixedSuite } from './mixed-suite.js';

mixedSuite(['go', 'ours', 'ours']);
