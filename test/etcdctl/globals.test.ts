// Global flags, ETCDCTL_* variables, help pages, usage errors and connection errors:
// Debian's etcdctl and ours, side by side.
import { after, before, describe, test } from 'node:test';
import {
  type ReferenceMember,
  debianEtcdctlSkip,
  referenceSkip,
  startReference,
} from '../helpers/reference.js';
import { compareSteps, inParallel, type Step } from './scenario.js';

const skip = referenceSkip() || debianEtcdctlSkip();
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
      ['--endpoints', url],
      [{ args: ['set', '@/g', 'global'] }, { args: ['set', '@/ls/a/b', 'x'] }],
    );
  });
  after(async () => {
    await ref?.stop();
  });

  test('endpoint flags and ETCDCTL_* variables, in etcdctl precedence order', async () => {
    const cases: Step[] = [
      { args: ['--peers', url, 'get', '@/g'] },
      { args: ['-C', url, 'get', '@/g'] },
      { args: ['--endpoint', url, 'get', '@/g'] },
      { args: ['--endpoints', `${dead},${url}`, '--no-sync', 'get', '@/g'] },
      { args: ['get', '@/g'], opts: { env: { ETCDCTL_PEERS: url } } },
      { args: ['get', '@/g'], opts: { env: { ETCDCTL_ENDPOINT: url } } },
      { args: ['get', '@/g'], opts: { env: { ETCDCTL_ENDPOINTS: url } } },
      { args: ['--endpoint', url, 'get', '@/g'], opts: { env: { ETCDCTL_PEERS: dead } } },
      { args: ['--peers', dead, 'get', '@/g'], opts: { env: { ETCDCTL_ENDPOINT: url } } },
      { args: ['--no-sync', '--endpoints', url, 'get', '@/g'] },
      { args: ['--debug', '--endpoints', url, 'get', '@/g'] },
      {
        args: [
          '--debug',
          '--no-sync',
          '--endpoints',
          url,
          'set',
          '--ttl',
          '5',
          '--swap-with-value',
          'x',
          '@/g',
          'y z',
        ],
      },
      { args: ['--debug', '--endpoints', url, 'ls', '--sort', '--recursive', '--quorum', '@/ls'] },
      { args: ['--debug', '--endpoints', url, 'rm', '--recursive', '@/nope'] },
      { args: ['--debug', '--endpoints', url, 'mkdir', '@/mkd/d'] },
      { args: ['--endpoints', url, '-o', 'json', 'get', '@/nope'] },
      { args: ['--endpoints', url, '--timeout', '3s', '--total-timeout=10s', 'get', '@/g'] },
      { args: ['--endpoints', dead, 'get', '@/g'] },
      // (`--total-timeout 1ns` with the cluster sync is left out: Go's etcdctl itself
      // answers either "context deadline exceeded" or a dial timeout, by a race.)
      { args: ['--endpoints', url, '--no-sync', '--total-timeout', '1ns', 'get', '@/g'] },
      { args: ['--endpoints', url, '--no-sync', '--timeout', '1ns', 'get', '@/g'] },
      { args: ['--endpoints', url, '-u', 'root:secret', 'get', '@/g'] },
      { args: ['--endpoints', `${url}/`, 'get', '@/g'] },
      { args: ['--endpoints', dead, '--no-sync', 'get', '@/g'] },
      { args: ['--endpoints', dead, '--no-sync', 'member', 'list'] },
      { args: ['--endpoints', dead, 'cluster-health'] },
      { args: ['--endpoints', '127.0.0.1:1', 'get', '@/g'] },
      {
        args: ['--endpoints', url, 'get', '@/g'],
        opts: { env: { ETCDCTL_CA_FILE: '/nonexistent/ca.pem' } },
      },
      {
        args: ['--endpoints', url, 'cluster-health'],
        opts: { env: { ETCDCTL_CA_FILE: '/nonexistent/ca.pem' } },
      },
      {
        args: [
          '--endpoints',
          url,
          '--cert-file',
          '/nonexistent/c.pem',
          '--key-file',
          '/nonexistent/k.pem',
          'get',
          '@/g',
        ],
      },
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
      { args: ['--timeout', 'soon', 'get'] },
      { args: ['--no-sync=maybe', 'get'] },
      { args: ['member'] },
      { args: ['member', 'help'] },
      { args: ['member', '-h'] },
      { args: ['member', '--bogus'] },
      { args: ['member', 'bogus'] },
      { args: ['member', 'help', 'bogus'] },
      { args: ['help', 'member', 'list'] },
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
    ];
    await inParallel(cases, 6, (c) => compareSteps([], [c]).then(() => undefined));
  });

  test('members and health of a one-member cluster', async () => {
    const ep = ['--endpoints', url];
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
      { args: [...ep, 'member', 'update', 'x'] },
      { args: [...ep, 'cluster-health'] },
      { args: [...ep, 'cluster-health', 'x'] },
    ];
    await inParallel(cases, 4, (c) => compareSteps([], [c]).then(() => undefined));
  });
});
