// Global flags, ETCDCTL_* variables, help pages, usage errors and connection errors:
// 2.0.13's etcdctl and ours, side by side against a 2.0.13 server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GLOBAL_FLAGS } from '../../src/cli/etcdctl/app.js';
import { Ctl, DEFAULT_PEERS } from '../../src/cli/etcdctl/context.js';
import { FlagValues, parseGoFlags } from '../../src/cli/etcdctl/goflag.js';
import { type ReferenceMember, referenceSkip, startReference } from '../helpers/reference.js';
import { compareSteps, inParallel, type Step } from './scenario.js';

const skip = referenceSkip();
const COMMANDS = [
  'backup',
  'cluster-health',
  'mk',
  'mkdir',
  'rm',
  'rmdir',
  'get',
  'ls',
  'set',
  'setdir',
  'update',
  'updatedir',
  'watch',
  'exec-watch',
  'member',
  'import',
];

describe('etcdctl global options, help and errors match the reference etcdctl', { skip }, () => {
  let ref: ReferenceMember;
  let url: string;
  let dead: string;
  before(async () => {
    ref = await startReference('ctl-globals');
    url = ref.clientUrl;
    // Port 1 is privileged: nothing a test starts can listen there, so it always refuses.
    dead = 'http://127.0.0.1:1';
    await compareSteps(
      ['--peers', url],
      [
        { args: ['set', '@/g', 'global'] },
        { args: ['set', '@/u', 'to-update'] },
        { args: ['set', '@/ls/a/b', 'x'] },
      ],
    );
  });
  after(async () => {
    await ref?.stop();
  });

  test('endpoint flags and ETCDCTL_* variables, in etcdctl precedence order', async () => {
    const cases: Step[] = [
      { args: ['--peers', url, 'get', '@/g'] },
      { args: ['-C', url, 'get', '@/g'] },
      { args: ['-C', url, '--peers', url, 'get', '@/g'] },
      { args: ['--peers', `${dead},${url}`, '--no-sync', 'get', '@/g'] },
      { args: ['--peers', `${dead},${url}`, 'get', '@/g'] },
      { args: ['get', '@/g'], opts: { env: { ETCDCTL_PEERS: url } } },
      { args: ['--peers', url, 'get', '@/g'], opts: { env: { ETCDCTL_PEERS: dead } } },
      { args: ['--peers', dead, 'get', '@/g'], opts: { env: { ETCDCTL_PEERS: url } } },
      { args: ['--peers', '127.0.0.1:1', 'get', '@/g'], opts: { env: { ETCDCTL_PEERS: url } } },
      { args: ['--no-sync', '--peers', url, 'get', '@/g'] },
      // (2.0.13 prints its Curl-Example lines from a goroutine that races the exit, so
      // only the lines it prints in order are compared.)
      { args: ['--debug', '--peers', url, 'member', 'list'] },
      { args: ['--peers', url, '-o', 'json', 'get', '@/nope'] },
      // Flags of later etcdctls are usage errors here.
      { args: ['--endpoints', url, 'get', '@/g'] },
      { args: ['--peers', url, '--timeout', '3s', 'get', '@/g'] },
      { args: ['--peers', url, '--total-timeout=10s', 'get', '@/g'] },
      { args: ['--peers', url, '-u', 'root:secret', 'get', '@/g'] },
      { args: ['--peers', dead, 'get', '@/g'] },
      { args: ['--peers', `${url}/`, 'get', '@/g'] },
      { args: ['--peers', dead, '--no-sync', 'get', '@/g'] },
      { args: ['--peers', dead, '--no-sync', 'member', 'list'] },
      { args: ['--peers', dead, 'member', 'list'] },
      { args: ['--peers', dead, 'cluster-health'] },
      { args: ['--peers', '127.0.0.1:1', 'get', '@/g'] },
      { args: ['--peers', '127.0.0.1:1', 'member', 'list'] },
      {
        args: ['--peers', url, 'get', '@/g'],
        opts: { env: { ETCDCTL_CA_FILE: '/nonexistent/ca.pem' } },
      },
      {
        args: ['--peers', url, 'cluster-health'],
        opts: { env: { ETCDCTL_CA_FILE: '/nonexistent/ca.pem' } },
      },
      {
        args: [
          '--peers',
          url,
          '--cert-file',
          '/nonexistent/c.pem',
          '--key-file',
          '/nonexistent/k.pem',
          'get',
          '@/g',
        ],
      },
      { args: ['--peers', url, '--cert-file', '/nonexistent/c.pem', 'member', 'list'] },
    ];
    await inParallel(cases, 4, (c) => compareSteps([], [c]).then(() => undefined));
  });

  test('help for every command, versions and usage errors', async () => {
    const cases: Step[] = [
      { args: [] },
      { args: ['help'] },
      { args: ['h'] },
      { args: ['-h'] },
      { args: ['--help'] },
      { args: ['--version'] },
      { args: ['-v'] },
      { args: ['bogus'] },
      { args: ['help', 'bogus'] },
      { args: ['--bogus'] },
      { args: ['---x', 'get'] },
      { args: ['-o'] },
      { args: ['-o', 'json', '--output', 'json', 'get'] },
      { args: ['--no-sync=maybe', 'get'] },
      { args: ['member'] },
      { args: ['member', 'help'] },
      { args: ['member', '-h'] },
      { args: ['member', '--bogus'] },
      { args: ['member', 'bogus'] },
      { args: ['member', 'help', 'bogus'] },
      { args: ['help', 'member', 'list'] },
      { args: ['member', '-h', '--help'] },
      ...['list', 'add', 'remove', 'update'].flatMap((s): Step[] => [
        { args: ['member', 'help', s] },
        { args: ['member', s, '-h'] },
        { args: ['member', s, '--bogus'] },
      ]),
      ...COMMANDS.flatMap((c): Step[] => [
        { args: ['help', c] },
        { args: ['h', c] },
        { args: [c, '--help'] },
        { args: [c, '-bogus'] },
      ]),
      { args: ['get', '--sort=maybe', '@/g'] },
      { args: ['rm', '--with-index', 'x', '@/g'] },
      { args: ['watch', '--after-index'] },
      { args: ['import'] },
      { args: ['import', '--snap', '/nonexistent/snap'] },
    ];
    await inParallel(cases, 6, (c) => compareSteps([], [c]).then(() => undefined));
  });

  test('members and health of a one-member cluster', async () => {
    const ep = ['--peers', url];
    const cases: Step[] = [
      { args: [...ep, 'member', 'list'] },
      { args: [...ep, 'member', 'list', 'extra'] },
      { args: [...ep, 'member', 'add'] },
      { args: [...ep, 'member', 'add', 'n1'] },
      { args: [...ep, 'member', 'add', 'n1', 'bad-url'] },
      { args: [...ep, 'member', 'add', 'n1', 'http://127.0.0.1'] },
      { args: [...ep, 'member', 'remove'] },
      { args: [...ep, 'member', 'remove', 'ctl-globals'] },
      { args: [...ep, 'member', 'remove', '1234'] },
      { args: [...ep, 'member', 'update'] },
      { args: [...ep, 'member', 'add', 'n1', 'http://127.0.0.1:1/path'] },
      { args: [...ep, 'member', 'add', 'n1', 'ftp://127.0.0.1:1'] },
      { args: [...ep, 'member', 'add', 'n1', ref.peerUrl] },
      { args: [...ep, 'cluster-health'] },
      { args: [...ep, 'cluster-health', 'x'] },
    ];
    // Membership requests one at a time: 2.0.13 may answer one racing another with a 500.
    for (const c of cases) await compareSteps([], [c], undefined, true);
  });
});

test('without --peers or ETCDCTL_PEERS, both default ports with a scheme (unlike 2.0.13)', () => {
  const none = new Ctl(
    new FlagValues(parseGoFlags(GLOBAL_FLAGS, []).values),
    {},
    noop,
    noop,
    empty,
  );
  assert.deepEqual(none.endpoints(), DEFAULT_PEERS.split(','));
  assert.deepEqual(none.endpoints(), ['http://127.0.0.1:4001', 'http://127.0.0.1:2379']);
  const env = new Ctl(
    new FlagValues(parseGoFlags(GLOBAL_FLAGS, []).values),
    { ETCDCTL_PEERS: 'https://h:1' },
    noop,
    noop,
    empty,
  );
  assert.deepEqual(env.endpoints(), ['https://h:1']);
});

function noop(_s: string): void {}
async function empty(): Promise<string> {
  return '';
}
