// The etcd command line: flag forms, defaults, ETCD_* variables, legacy 0.4 flags and
// every error with etcd 2.0's message, kind and exit status.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlagError, renderFlagError } from '../../src/cli/etcd/flag-error.js';
import { envKey, parseFlags } from '../../src/cli/etcd/flags.js';
import { usageText, versionText } from '../../src/cli/etcd/usage.js';

function flagError(argv: string[], env: NodeJS.ProcessEnv = {}): FlagError {
  try {
    parseFlags(argv, env);
  } catch (e) {
    assert.ok(e instanceof FlagError, `expected FlagError, got ${e}`);
    return e;
  }
  assert.fail(`expected ${JSON.stringify(argv)} to be rejected`);
}

describe('defaults', () => {
  it('match etcd 2.0', () => {
    const c = parseFlags([], {});
    assert.equal(c.name, 'default');
    assert.equal(c.dataDir, 'default.etcd');
    assert.equal(c.dataDirDefaulted, true);
    assert.deepEqual(c.listenClientUrls, ['http://localhost:2379', 'http://localhost:4001']);
    assert.deepEqual(c.advertiseClientUrls, ['http://localhost:2379', 'http://localhost:4001']);
    assert.deepEqual(c.listenPeerUrls, ['http://localhost:2380', 'http://localhost:7001']);
    assert.deepEqual(c.initialAdvertisePeerUrls, [
      'http://localhost:2380',
      'http://localhost:7001',
    ]);
    assert.equal(c.initialCluster, 'default=http://localhost:2380,default=http://localhost:7001');
    assert.equal(c.initialClusterToken, 'etcd-cluster');
    assert.equal(c.initialClusterState, 'new');
    assert.equal(c.snapshotCount, 10000);
    assert.equal(c.heartbeatInterval, 100);
    assert.equal(c.electionTimeout, 1000);
    assert.equal(c.electionTicks, 10);
    assert.equal(c.maxSnapshots, 5);
    assert.equal(c.maxWals, 5);
    assert.equal(c.proxy, 'off');
    assert.equal(c.discoveryFallback, 'proxy');
    assert.equal(c.forceNewCluster, false);
    assert.deepEqual(c.cors, []);
    assert.deepEqual(c.clientTls, { certFile: '', keyFile: '', caFile: '' });
    assert.deepEqual(c.notices, ['no data-dir provided, using default data-dir ./default.etcd']);
  });

  it('derive the data dir and initial cluster from the name and advertised peer URLs', () => {
    const c = parseFlags(['-name', 'infra0'], {});
    assert.equal(c.dataDir, 'infra0.etcd');
    assert.equal(c.initialCluster, 'infra0=http://localhost:2380,infra0=http://localhost:7001');
    const d = parseFlags(
      ['-name', 'n1', '-initial-advertise-peer-urls', 'http://10.0.0.1:2380'],
      {},
    );
    assert.equal(d.initialCluster, 'n1=http://10.0.0.1:2380');
    const e = parseFlags(['-name', 'n1', '-initial-cluster', 'a=http://1.2.3.4:1'], {});
    assert.equal(e.initialCluster, 'a=http://1.2.3.4:1');
  });
});

describe('flag forms', () => {
  const forms: [string, string[]][] = [
    ['-flag v', ['-name', 'x']],
    ['--flag v', ['--name', 'x']],
    ['-flag=v', ['-name=x']],
    ['--flag=v', ['--name=x']],
  ];
  for (const [what, argv] of forms) {
    it(what, () => {
      const c = parseFlags(argv, {});
      assert.equal(c.name, 'x');
      assert.ok(c.explicit.has('name'));
    });
  }

  it('booleans: --flag, -flag=true|false, Go spellings', () => {
    assert.equal(parseFlags(['--force-new-cluster'], {}).forceNewCluster, true);
    assert.equal(parseFlags(['-force-new-cluster=true'], {}).forceNewCluster, true);
    assert.equal(parseFlags(['--force-new-cluster=false'], {}).forceNewCluster, false);
    assert.equal(parseFlags(['--force-new-cluster=T'], {}).forceNewCluster, true);
    assert.equal(parseFlags(['--force-new-cluster=0'], {}).forceNewCluster, false);
  });

  it('a boolean does not take the next argument', () => {
    const e = flagError(['--force-new-cluster', 'false']);
    assert.equal(e.kind, 'verify');
    assert.equal(e.message, "'false' is not a valid flag");
  });

  it('the last of a repeated flag wins; -- ends the flags', () => {
    assert.equal(parseFlags(['-name', 'a', '--name=b'], {}).name, 'b');
    assert.equal(flagError(['--', '-name', 'x']).message, "'-name' is not a valid flag");
  });

  it('every documented flag is accepted', () => {
    const c = parseFlags(
      [
        '-name=n',
        '-data-dir=/tmp/d',
        '-snapshot-count=5',
        '-heartbeat-interval=10',
        '-election-timeout=60',
        '-listen-peer-urls=http://127.0.0.1:1,http://127.0.0.1:2',
        '-listen-client-urls=https://127.0.0.1:3',
        '-advertise-client-urls=https://127.0.0.1:3',
        '-initial-advertise-peer-urls=http://127.0.0.1:2,http://127.0.0.1:1',
        '-initial-cluster=n=http://127.0.0.1:1,n=http://127.0.0.1:2',
        '-initial-cluster-state=existing',
        '-initial-cluster-token=tok',
        '-discovery-fallback=exit',
        '-discovery-proxy=http://proxy:8080',
        '-proxy=readonly',
        '-cors=http://a.example, *',
        '-ca-file=ca',
        '-cert-file=c',
        '-key-file=k',
        '-peer-ca-file=pca',
        '-peer-cert-file=pc',
        '-peer-key-file=pk',
        '-max-snapshots=0',
        '-max-wals=7',
        '-force-new-cluster',
        '-enable-v2=true',
        '-logger=capnslog',
      ],
      {},
    );
    assert.equal(c.dataDir, '/tmp/d');
    assert.equal(c.dataDirDefaulted, false);
    assert.equal(c.snapshotCount, 5);
    assert.equal(c.electionTicks, 6);
    assert.deepEqual(c.listenPeerUrls, ['http://127.0.0.1:1', 'http://127.0.0.1:2']);
    assert.deepEqual(c.initialAdvertisePeerUrls, ['http://127.0.0.1:1', 'http://127.0.0.1:2']);
    assert.equal(c.initialClusterState, 'existing');
    assert.equal(c.initialClusterToken, 'tok');
    assert.equal(c.discoveryFallback, 'exit');
    assert.equal(c.discoveryProxy, 'http://proxy:8080');
    assert.equal(c.proxy, 'readonly');
    assert.deepEqual(c.cors, ['http://a.example', '*']);
    assert.deepEqual(c.clientTls, { certFile: 'c', keyFile: 'k', caFile: 'ca' });
    assert.deepEqual(c.peerTls, { certFile: 'pc', keyFile: 'pk', caFile: 'pca' });
    assert.equal(c.maxSnapshots, 0);
    assert.equal(c.maxWals, 7);
    assert.equal(c.forceNewCluster, true);
    assert.deepEqual(c.notices, []);
  });

  it('numbers in Go syntax', () => {
    assert.equal(parseFlags(['-snapshot-count=0x10'], {}).snapshotCount, 16);
    assert.equal(parseFlags(['-snapshot-count=010'], {}).snapshotCount, 8);
    assert.equal(parseFlags(['-snapshot-count=1_000'], {}).snapshotCount, 1000);
  });

  it('-h and --help ask for the usage; --version for the version', () => {
    assert.equal(parseFlags(['-h'], {}).printHelp, true);
    assert.equal(parseFlags(['--help'], {}).printHelp, true);
    assert.equal(parseFlags(['--version'], {}).printVersion, true);
    // etcd prints the version before it reads the environment
    assert.equal(parseFlags(['--version'], { ETCD_PROXY: 'bad' }).printVersion, true);
    assert.match(versionText(), /^etcd Version: \d+\.\d+\.\d+\n/);
    assert.match(usageText(), /^usage: etcd \[flags\]\n/);
    assert.match(usageText(), /--initial-cluster-token 'etcd-cluster'/);
  });
});

describe('environment', () => {
  it('ETCD_* sets every flag; the command line wins; etcd logs what it used', () => {
    assert.equal(envKey('initial-advertise-peer-urls'), 'ETCD_INITIAL_ADVERTISE_PEER_URLS');
    const env = {
      ETCD_NAME: 'envname',
      ETCD_DATA_DIR: '/tmp/envdir',
      ETCD_SNAPSHOT_COUNT: '42',
      ETCD_PROXY: 'on',
      ETCD_FORCE_NEW_CLUSTER: 'true',
      ETCD_INITIAL_CLUSTER_TOKEN: 'envtok',
    };
    const c = parseFlags(['-name', 'flagname'], env);
    assert.equal(c.name, 'flagname');
    assert.equal(c.dataDir, '/tmp/envdir');
    assert.equal(c.snapshotCount, 42);
    assert.equal(c.proxy, 'on');
    assert.equal(c.forceNewCluster, true);
    assert.equal(c.initialClusterToken, 'envtok');
    assert.ok(c.explicit.has('data-dir'));
    assert.ok(
      c.notices.includes(
        'etcd: recognized and used environment variable ETCD_DATA_DIR=/tmp/envdir',
      ),
    );
    assert.ok(!c.notices.some((n) => n.includes('ETCD_NAME')));
  });

  it('empty variables are ignored', () => {
    assert.equal(parseFlags([], { ETCD_NAME: '' }).name, 'default');
  });

  it('a bad value is an env error (exit 1)', () => {
    const e = flagError([], { ETCD_ELECTION_TIMEOUT: 'abc' });
    assert.equal(e.kind, 'env');
    assert.equal(e.exitCode, 1);
    assert.equal(e.message, 'invalid value "abc" for ETCD_ELECTION_TIMEOUT: parse error');
    assert.deepEqual(e.logMessages(), [
      'etcd: invalid value "abc" for ETCD_ELECTION_TIMEOUT: parse error',
    ]);
  });

  it('environment counts as set for the checks', () => {
    const e = flagError([], { ETCD_LISTEN_CLIENT_URLS: 'http://127.0.0.1:5' });
    assert.equal(
      e.message,
      '-advertise-client-urls is required when -listen-client-urls is set explicitly',
    );
  });
});

describe('legacy 0.4 flags', () => {
  it('-addr, -bind-addr, -peer-addr, -peer-bind-addr map to URLs', () => {
    const c = parseFlags(
      [
        '-addr',
        '10.0.0.1:4001',
        '-bind-addr',
        '0.0.0.0:4001',
        '-peer-addr',
        '10.0.0.1:7001',
        '-peer-bind-addr',
        '10.0.0.1:7001',
      ],
      {},
    );
    assert.deepEqual(c.advertiseClientUrls, ['http://10.0.0.1:4001']);
    assert.deepEqual(c.listenClientUrls, ['http://0.0.0.0:4001']);
    assert.deepEqual(c.initialAdvertisePeerUrls, ['http://10.0.0.1:7001']);
    assert.deepEqual(c.listenPeerUrls, ['http://10.0.0.1:7001']);
  });

  it('an address without its bind address listens on [::]:port; https with a key pair', () => {
    const c = parseFlags(
      [
        '-addr',
        '10.0.0.1:4001',
        '-peer-addr',
        '10.0.0.1:7001',
        '-peer-cert-file=c',
        '-peer-key-file=k',
      ],
      {},
    );
    assert.deepEqual(c.listenClientUrls, ['http://[::]:4001']);
    assert.deepEqual(c.listenPeerUrls, ['https://[::]:7001']);
    assert.deepEqual(c.initialAdvertisePeerUrls, ['https://10.0.0.1:7001']);
  });

  it('old and new forms together are an error', () => {
    const cases: [string[], string][] = [
      [
        ['-addr', '1.2.3.4:1', '-advertise-client-urls', 'http://1.2.3.4:1'],
        'Set only one of flags -advertise-client-urls and -addr',
      ],
      [
        ['-peer-addr', '1.2.3.4:1', '-initial-advertise-peer-urls', 'http://1.2.3.4:1'],
        'Set only one of flags -initial-advertise-peer-urls and -peer-addr',
      ],
      [
        ['-bind-addr', '1.2.3.4:1', '-listen-client-urls', 'http://1.2.3.4:1'],
        'Set only one of flags -listen-client-urls and -bind-addr',
      ],
      [
        ['-peer-bind-addr', '1.2.3.4:1', '-listen-peer-urls', 'http://1.2.3.4:1'],
        'Set only one of flags -listen-peer-urls and -peer-bind-addr',
      ],
    ];
    for (const [argv, msg] of cases) {
      const e = flagError(argv);
      assert.equal(e.kind, 'verify');
      assert.equal(e.message, msg);
      assert.deepEqual(e.logMessages(), [`error verifying flags, ${msg}. See 'etcd -help'.`]);
    }
  });

  it('bad legacy addresses', () => {
    assert.equal(
      flagError(['-addr', 'foo']).message,
      'invalid value "foo" for flag -addr: address foo: missing port in address',
    );
    assert.equal(
      flagError(['-addr', 'host:1']).message,
      'invalid value "host:1" for flag -addr: bad IP in address specification',
    );
    assert.equal(
      flagError(['-addr', '1.2.3.4:x']).message,
      'invalid value "1.2.3.4:x" for flag -addr: bad port in address specification',
    );
  });

  it('-peers and -peers-file are refused; other 0.4 flags ignored with a warning', () => {
    assert.equal(
      flagError(['-peers', 'a:1']).message,
      'invalid value "a:1" for flag -peers: flag "-peers" is no longer supported.',
    );
    assert.equal(
      flagError(['-peers-file', 'f']).message,
      'invalid value "f" for flag -peers-file: flag "-peers-file" is no longer supported.',
    );
    const c = parseFlags(
      ['-v', '-snapshot=false', '-peer-heartbeat-interval=10', '-max-retry-attempts'],
      {},
    );
    assert.deepEqual(c.notices.slice(0, 4), [
      'WARNING: flag "-v" is no longer supported - ignoring.',
      'WARNING: flag "-snapshot" is no longer supported - ignoring.',
      'WARNING: flag "-peer-heartbeat-interval" is no longer supported - ignoring.',
      'WARNING: flag "-max-retry-attempts" is no longer supported - ignoring.',
    ]);
    assert.equal(c.heartbeatInterval, 100);
  });
});

describe('errors', () => {
  const parseErrors: [string[], string][] = [
    [['--bogus'], 'flag provided but not defined: -bogus'],
    [['-bogus=1'], 'flag provided but not defined: -bogus'],
    [['-name'], 'flag needs an argument: -name'],
    [['---x'], 'bad flag syntax: ---x'],
    [['-=x'], 'bad flag syntax: -=x'],
    [['--proxy=bad'], 'invalid value "bad" for flag -proxy: invalid value'],
    [
      ['--initial-cluster-state', 'old'],
      'invalid value "old" for flag -initial-cluster-state: invalid value',
    ],
    [
      ['--discovery-fallback', 'maybe'],
      'invalid value "maybe" for flag -discovery-fallback: invalid value',
    ],
    [
      ['--force-new-cluster=maybe'],
      'invalid boolean value "maybe" for -force-new-cluster: parse error',
    ],
    [['--election-timeout', 'abc'], 'invalid value "abc" for flag -election-timeout: parse error'],
    [['-snapshot-count=-1'], 'invalid value "-1" for flag -snapshot-count: parse error'],
    [
      ['--max-wals=99999999999999999999'],
      'invalid value "99999999999999999999" for flag -max-wals: value out of range',
    ],
    [
      ['--listen-client-urls=foo'],
      'invalid value "foo" for flag -listen-client-urls: URL scheme must be http or https: foo',
    ],
    [
      ['--listen-peer-urls=ftp://a:1'],
      'invalid value "ftp://a:1" for flag -listen-peer-urls: URL scheme must be http or https: ftp://a:1',
    ],
    [
      ['--advertise-client-urls=http://a'],
      'invalid value "http://a" for flag -advertise-client-urls: URL address does not have the form "host:port": http://a',
    ],
    [
      ['--initial-advertise-peer-urls=http://a:1/x'],
      'invalid value "http://a:1/x" for flag -initial-advertise-peer-urls: URL must not contain a path: http://a:1/x',
    ],
  ];
  for (const [argv, msg] of parseErrors) {
    it(`${argv.join(' ')} → ${msg}`, () => {
      const e = flagError(argv);
      assert.equal(e.kind, 'parse');
      assert.equal(e.exitCode, 2);
      assert.equal(e.message, msg);
      const out = renderFlagError(e);
      assert.equal(out.stderr, `${msg}\n`);
      assert.equal(out.stdout, usageText());
    });
  }

  it("verification errors are logged with etcd's wording and exit 1", () => {
    const e = flagError(['foo']);
    assert.equal(e.exitCode, 1);
    const out = renderFlagError(e, new Date(2015, 0, 29, 10, 32, 16));
    assert.equal(
      out.stderr,
      "2015/01/29 10:32:16 error verifying flags, 'foo' is not a valid flag. See 'etcd -help'.\n",
    );
    assert.equal(out.stdout, '');
  });

  it('election timeout must be at least 5 heartbeats', () => {
    const e = flagError(['-heartbeat-interval=100', '-election-timeout=499']);
    assert.equal(
      e.message,
      '-election-timeout[499ms] should be at least as 5 times as -heartbeat-interval[100ms]',
    );
    assert.equal(
      parseFlags(['-heartbeat-interval=100', '-election-timeout=500'], {}).electionTicks,
      5,
    );
    assert.equal(flagError(['-heartbeat-interval=0']).kind, 'verify');
  });

  it('listen without advertise (members only)', () => {
    const e = flagError(['-listen-client-urls', 'http://127.0.0.1:5']);
    assert.equal(
      e.message,
      '-advertise-client-urls is required when -listen-client-urls is set explicitly',
    );
    assert.equal(e.logMessages().length, 2);
    assert.equal(
      parseFlags(['-listen-client-urls', 'http://127.0.0.1:5', '-proxy', 'on'], {}).proxy,
      'on',
    );
    assert.ok(
      parseFlags(['-listen-client-urls', 'http://127.0.0.1:5', '-discovery', 'http://d/x'], {}),
    );
  });

  it('only one of -initial-cluster, -discovery, -discovery-srv', () => {
    const e = flagError(['-initial-cluster', 'a=http://1.1.1.1:1', '-discovery', 'http://d/x']);
    assert.equal(
      e.message,
      'multiple discovery or bootstrap flags are setChoose one of "initial-cluster", "discovery" or "discovery-srv"',
    );
    const d = parseFlags(['-discovery', 'http://d/x'], {});
    assert.equal(d.discovery, 'http://d/x');
    assert.equal(d.initialCluster, '');
  });
});
