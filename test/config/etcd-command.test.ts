// bin/etcd as a process: bad command lines exit non-zero having written nothing, with
// the same first line and exit status as Debian's etcd for the errors both word alike.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FlagError, renderFlagError } from '../../src/cli/etcd/flag-error.js';
import { parseFlags } from '../../src/cli/etcd/flags.js';
import { tempDir } from '../helpers/process.js';
import { REFERENCE_ETCD, referenceSkip } from '../helpers/reference.js';

const BIN = fileURLToPath(new URL('../../../bin/etcd', import.meta.url));

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], cwd: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    p.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const bad: string[][] = [
  ['--bogus'],
  ['-bogus=1'],
  ['--proxy=bad'],
  ['--initial-cluster-state=old'],
  ['--discovery-fallback=maybe'],
  ['--election-timeout', 'abc'],
  ['--force-new-cluster=maybe'],
  ['-snapshot-count=-1'],
  ['--max-wals=99999999999999999999'],
  ['--listen-client-urls=http://a'],
  ['--listen-client-urls=http://a:1/x'],
  ['---x'],
  ['-name'],
];

describe('etcd command line', () => {
  it('flag errors: the same message and exit status as Debian etcd', async (t) => {
    const skip = referenceSkip();
    if (skip) return t.skip(skip);
    const dir = tempDir('etcd-flags-ref');
    try {
      for (const args of bad) {
        let ours: FlagError | null = null;
        try {
          parseFlags(args, {});
        } catch (e) {
          ours = e as FlagError;
        }
        assert.ok(ours instanceof FlagError, args.join(' '));
        const theirs = await run(REFERENCE_ETCD, args, dir.path);
        assert.equal(
          renderFlagError(ours).stderr.split('\n')[0],
          theirs.stderr.split('\n')[0],
          args.join(' '),
        );
        assert.equal(ours.exitCode, theirs.code, args.join(' '));
      }
      assert.deepEqual(readdirSync(dir.path), []);
    } finally {
      dir.remove();
    }
  });

  it('bin/etcd with a bad flag: exit 2, message then usage, nothing written', async () => {
    const dir = tempDir('etcd-flags');
    try {
      const dataDir = join(dir.path, 'data');
      const r = await run(process.execPath, [BIN, `--data-dir=${dataDir}`, '--bogus'], dir.path);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr, 'flag provided but not defined: -bogus\n');
      assert.match(r.stdout, /^usage: etcd \[flags\]/);
      assert.equal(existsSync(dataDir), false);
      assert.deepEqual(readdirSync(dir.path), []);
    } finally {
      dir.remove();
    }
  });

  it('--version and --help exit 0; a stray argument exits 1', async () => {
    const [v, h, stray] = await Promise.all([
      run(process.execPath, [BIN, '--version'], '.'),
      run(process.execPath, [BIN, '-h'], '.'),
      run(process.execPath, [BIN, 'foo'], '.'),
    ]);
    assert.equal(v.code, 0);
    assert.match(v.stdout, /^etcd Version: /);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /^usage: etcd \[flags\]/);
    assert.equal(stray.code, 1);
    assert.match(
      stray.stderr,
      /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d error verifying flags, 'foo' is not a valid flag\. See 'etcd -help'\.\n$/,
    );
  });
});
