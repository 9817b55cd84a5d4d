// 2.0.13's etcdctl and ours, side by side against the same server (2.0.13's, then ours): every keys command and flag, output formats, errors and exit codes.
import { after, before, describe, test } from 'node:test';
import { type Flavor, startCluster, type TestCluster } from '../helpers/cluster.js';
import { referenceSkip } from '../helpers/reference.js';
import { compareSteps, jsonIndex } from './scenario.js';

const skip = referenceSkip();
// Both etcdctls against one server: the reference etcd, and ours (ETCDCTL_SERVERS=reference
// to leave ours out).
const servers = (process.env.ETCDCTL_SERVERS ?? 'reference,ours').split(',') as Flavor[];

for (const flavor of servers)
  describe(`etcdctl keys commands match the reference etcdctl (${flavor} server)`, { skip }, () => {
    let server: TestCluster;
    let ep: string[];
    before(async () => {
      server = await startCluster(1, { flavor });
      ep = ['--peers', server.members[0]!.clientUrl];
    });
    after(async () => {
      await server?.close();
    });

    test('get, set, mk, update with every output format and flag', async () => {
      await compareSteps(ep, [
        { args: ['set', '@/a', '1'] },
        { args: ['-o', 'extended', 'set', '@/a', '2'] },
        { args: ['-o', 'json', 'get', '@/a'] },
        { args: ['-o', 'extended', 'get', '@/a'] },
        { args: ['get', '--quorum', '@/a'] },
        { args: ['get', '-q', '--sort', '@/a'] },
        { args: ['get', '@/nope'] },
        { args: ['-o', 'json', 'get', '@/nope'] },
        { args: ['get'] },
        { args: ['mk', '@/a', '3'] },
        { args: ['-o', 'extended', 'mk', '--ttl', '100', '@/b', 'x'] },
        { args: ['mk', '--in-order', '@/q', 'v1'] },
        { args: ['-o', 'json', 'mk', '--in-order', '@/q', 'v2'] },
        { args: ['mk'] },
        { args: ['mk', '@/nov'] },
        { args: ['update', '@/nope', 'x'] },
        { args: ['-o', 'json', 'update', '--ttl', '10', '@/a', 'u'] },
        { args: ['update', '@/a', 'v'] },
        { args: ['update', '@/a'] },
        { args: ['set', '--swap-with-value', 'bad', '@/a', 'x'] },
        { args: ['-o', 'json', 'set', '--swap-with-value', 'v', '@/a', 'w'] },
        { args: ['set', '--swap-with-index', '1', '@/a', 'x'] },
        {
          args: (p) => [
            '-o',
            'extended',
            'set',
            '--swap-with-index',
            String(jsonIndex(p[20])),
            '@/a',
            'y',
          ],
        },
        { args: ['set', '--ttl', '0x10', '@/hex', 'h'] },
        { args: ['set', '@/c'], opts: { stdin: 'from-stdin' } },
        { args: ['set', '@/e'] },
        { args: ['set', '--', '@/f', '-dash'] },
        { args: ['get', '@/f', '--sort'] },
        { args: ['set', '--ttl', 'abc', '@/g', 'v'] },
        { args: ['set', '@/g', 'v', '--bogus'] },
        { args: ['-o', 'json', 'set', '@/x&<>', 'v<&>\u2028\t'] },
        { args: ['-o', 'bogus', 'get', '@/a'] },
      ]);
    });

    test('directories: mkdir, setdir, updatedir, ls, rm, rmdir', async () => {
      await compareSteps(ep, [
        { args: ['mkdir', '@/d'] },
        { args: ['mkdir', '@/d'] },
        { args: ['-o', 'json', 'mkdir', '@/d2'] },
        { args: ['-o', 'extended', 'mkdir', '--ttl', '50', '@/d3'] },
        { args: ['setdir', '--ttl', '60', '@/d3'] },
        { args: ['-o', 'json', 'setdir', '@/d4'] },
        { args: ['setdir', '@/d4'] },
        { args: ['updatedir', '@/nope'] },
        { args: ['-o', 'extended', 'updatedir', '--ttl', '30', '@/d'] },
        { args: ['-o', 'json', 'updatedir', '@/d'] },
        { args: ['get', '@/d'] },
        { args: ['set', '@/d/f', 'in-d'] },
        { args: ['set', '@/d/sub/g', 'deep'] },
        { args: ['set', '@/file', 'v'] },
        { args: ['ls', '--sort', '@'] },
        { args: ['ls', '--sort', '-p', '@'] },
        { args: ['ls', '--sort', '--recursive', '-p', '@'] },
        { args: ['ls', '-r', '@'] },
        { args: ['ls', '--sort', '--recursive', '@'] },
        { args: ['-o', 'json', 'ls', '--sort', '--recursive', '@/d'] },
        { args: ['-o', 'extended', 'ls', '@/d2'] },
        { args: ['ls', '@/file'] },
        { args: ['ls', '--quorum', '@/nope'] },
        { args: ['rm', '@/d'] },
        { args: ['rm', '--dir', '@/d2'] },
        { args: ['-o', 'json', 'rm', '--dir', '@/d4'] },
        { args: ['rmdir', '@/d'] },
        { args: ['rmdir', '@/d3'] },
        { args: ['rmdir'] },
        { args: ['rm', '--with-value', 'nope', '@/file'] },
        { args: ['rm', '--with-index', '1', '@/file'] },
        { args: ['-o', 'extended', 'rm', '--with-value', 'v', '@/file'] },
        { args: ['mk', '@/k', 'kv'] },
        { args: ['rm', '@/k'] },
        { args: ['rm', '@/k'] },
        { args: ['-o', 'extended', 'rm', '--recursive', '@/d'] },
        { args: ['rm', '--recursive', '@'] },
        { args: ['rm'] },
      ]);
    });

    test('watch and exec-watch from the history, recursive, forever', async () => {
      const env = { ...process.env };
      const sh = [
        'sh',
        '-c',
        // The pause: 2.0.13's exec-watch closes a command's output pipe when it exits,
        // racing its own copy of that output, which is lost when the command exits at once.
        'echo "$ETCD_WATCH_ACTION $ETCD_WATCH_KEY $ETCD_WATCH_VALUE ETCD_WATCH_MODIFIED_INDEX=$ETCD_WATCH_MODIFIED_INDEX"; sleep 0.2',
      ];
      await compareSteps(ep, [
        // A first write, so that index-1 below is never 0 (which would watch from now).
        { args: ['set', '@/w/first', 'x'] },
        { args: ['-o', 'json', 'set', '@/w/k', 'v1'] },
        { args: ['mkdir', '@/w/dd'] },
        { args: ['set', '@/w/k', 'v2'] },
        { args: ['rm', '@/w/k'] },
        { args: (p) => ['watch', '--after-index', String(jsonIndex(p[1]) - 1), '@/w/k'] },
        { args: (p) => ['watch', '--recursive', '--after-index', String(jsonIndex(p[1])), '@/w'] },
        {
          args: (p) => [
            '-o',
            'extended',
            'watch',
            '--after-index',
            String(jsonIndex(p[1])),
            '@/w/k',
          ],
        },
        {
          args: (p) => [
            '-o',
            'json',
            'watch',
            '--forever',
            `--after-index=${jsonIndex(p[1]) - 1}`,
            '@/w/k',
          ],
          opts: { until: '"action":"delete"' },
        },
        {
          args: (p) => [
            'exec-watch',
            '--after-index',
            String(jsonIndex(p[1])),
            '--recursive',
            '@/w',
            '--',
            ...sh,
          ],
          opts: { until: 'delete', env },
          unordered: true,
        },
        {
          // With --after-index or --recursive, 2.0.13 takes the first word as the key and
          // the command from the third on (the second being `--`).
          args: (p) => [
            'exec-watch',
            '--after-index',
            String(jsonIndex(p[1]) - 1),
            '@/w/k',
            '--',
            ...sh,
          ],
          opts: { until: 'delete', env },
          unordered: true,
        },
        { args: ['watch'] },
        { args: ['exec-watch', '@/w'] },
        { args: ['exec-watch', '--after-index', '1'] },
      ]);
    });
  });
