// Our etcdctl side by side with Go etcd 2.0.13's own etcdctl, against a 2.0.13 server, for
// the commands whose output already agrees byte for byte (values, errors and their exit
// codes, directories, members). Not yet: `rm` of a key (2.0.13 prints an empty line, ours
// `PrevNode.Value: v` as later etcdctls). The rest of 2.0.13's etcdctl surface (its -o json and
// extended formats with etcdIndex/raftIndex/raftTerm, its older help pages and usage
// errors, no --endpoints/--timeout) is not ours yet: the other etcdctl tests compare with
// the later v2 etcdctl our etcdctl implements.
import { after, before, describe, test } from 'node:test';
import { type ReferenceMember, referenceSkip, startReference } from '../helpers/reference.js';
import { reference2013 } from './run.js';
import { compareSteps } from './scenario.js';

describe("etcdctl matches 2.0.13's etcdctl where both speak the same", {
  skip: referenceSkip(),
}, () => {
  let ref: ReferenceMember;
  let ep: string[];
  before(async () => {
    ref = await startReference('ctl2013');
    ep = ['--peers', ref.clientUrl];
  });
  after(async () => {
    await ref?.stop();
  });

  test('values and key errors', async () => {
    await compareSteps(
      ep,
      [
        { args: ['set', '@/a', '1'] },
        { args: ['get', '@/a'] },
        { args: ['set', '@/a', '2'] },
        { args: ['get', '@/nope'] },
        { args: ['-o', 'json', 'get', '@/nope'] },
        { args: ['mk', '@/a', '3'] },
        { args: ['mk', '@/new', 'n'] },
        { args: ['update', '@/nope', 'x'] },
        { args: ['update', '@/a', 'u'] },
        { args: ['set', '--swap-with-value', 'bad', '@/a', 'x'] },
        { args: ['set', '--swap-with-value', 'u', '@/a', 'w'] },
        { args: ['get', '@/a'] },
        { args: ['set', '@/c'], opts: { stdin: 'from-stdin' } },
      ],
      reference2013,
    );
  });

  test('directories and removal', async () => {
    await compareSteps(
      ep,
      [
        { args: ['mkdir', '@/d'] },
        { args: ['mkdir', '@/d'] },
        { args: ['set', '@/d/k', 'v'] },
        { args: ['rmdir', '@/d'] },
        { args: ['rm', '@/d'] },
        { args: ['rm', '--recursive', '@/d'] },
        { args: ['rm', '--recursive', '@/nope'] },
        { args: ['mkdir', '@/e'] },
        { args: ['rmdir', '@/e'] },
        { args: ['set', '@/f', 'v'] },
        { args: ['get', '@/f'] },
      ],
      reference2013,
    );
  });

  test('member commands that change nothing', async () => {
    await compareSteps(
      ep,
      [{ args: ['member', 'add', 'n1'] }, { args: ['member', 'remove', '1234'] }],
      reference2013,
    );
  });
});
