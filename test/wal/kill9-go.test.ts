// What a kill -9 leaves for Go etcd 2.0.13: our WAL preallocates (zero-fills ahead) and a
// killed writer may have been mid-write, so the last segment can end in zeros or a torn
// record, which Go refuses (it reads every record to the end of the file). Our open cuts
// that tail off and close leaves the file ending at its last record: after one open and
// close by us, Go's etcd-dump-logs lists every entry the writer reported synced.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { WAL } from '../../src/wal/wal.js';
import { GO_ETCD, goEtcdSkip } from '../helpers/go-etcd.js';
import { tempDir } from './helpers.js';

const writer = new URL('./crash-writer.js', import.meta.url).pathname;

/** Runs the crash writer until it reported `atLeast` synced, kill -9s it; the last index. */
function writeAndKill(dir: string, atLeast: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [writer, dir, '1'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let synced = 0;
    let buf = '';
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        const m = /^synced (\d+)$/.exec(l);
        if (m) synced = Math.max(synced, Number(m[1]));
      }
      if (synced >= atLeast && p.signalCode === null) p.kill('SIGKILL');
    });
    p.on('error', reject);
    p.on('exit', (_code, sig) =>
      sig === 'SIGKILL' ? resolve(synced) : reject(new Error(`writer exited: ${sig}`)),
    );
    p.stdin.write('go\n');
  });
}

test('after kill -9, one open and close by us leaves a WAL Go etcd 2.0.13 reads whole', {
  skip: goEtcdSkip('dumpLogs'),
}, async (t) => {
  const tmp = tempDir();
  try {
    const member = join(tmp.dir, 'member');
    const wal = join(member, 'wal');
    const synced = await writeAndKill(wal, 200);
    const dump = () => spawnSync(GO_ETCD.dumpLogs, ['-data-dir', member], { encoding: 'utf8' });
    const segs = readdirSync(wal)
      .filter((f) => f.endsWith('.wal'))
      .sort();
    const last = readFileSync(join(wal, segs[segs.length - 1]!));
    const before = dump();
    t.diagnostic(
      `killed after ${synced} synced; last segment ${last.length} bytes, ends in ${last.length > 0 && last[last.length - 1] === 0 ? 'zeros' : 'data'}; Go before repair: ${before.status === 0 ? 'reads it' : `refuses (${before.stderr.trim().split('\n').pop()})`}`,
    );
    const w = await WAL.open(wal, { index: 0, term: 0 });
    const c = await w.readAll();
    await w.close();
    assert.ok(c.entries.length >= synced);
    const after = dump();
    assert.equal(after.status, 0, after.stderr);
    const lines = after.stdout.trim().split('\n');
    assert.equal(lines.length, c.entries.length);
    assert.match(lines[lines.length - 1]!, new RegExp(`^ 1 +${c.entries.length}: `));
  } finally {
    tmp.cleanup();
  }
});
