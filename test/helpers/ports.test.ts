// The port reservations every process test relies on: processes reserving at the same
// time from the same port never get the same one; a reservation whose process is gone is
// taken back; one in the older single-file form still counts.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { PORTS_DIR } from './ports.js';

const HELPER = join(import.meta.dirname, 'ports.js');
const CHILDREN = 4;
const EACH = 15;

/** A PID that no process has any more (a child that ran and exited). */
async function deadPid(): Promise<number> {
  const p = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => p.once('exit', r));
  return p.pid!;
}

test('processes reserving from the same port at once get disjoint ports', async () => {
  const from = 20_000 + ((process.pid * 31) % 10_000);
  mkdirSync(PORTS_DIR, { recursive: true });
  const stale = join(PORTS_DIR, `${from}.${await deadPid()}.lock`);
  const older = join(PORTS_DIR, `${from + 1}.lock`);
  writeFileSync(stale, '');
  writeFileSync(older, String(process.pid));
  const script = `import { reservePorts } from ${JSON.stringify(HELPER)};
    console.log(JSON.stringify(await reservePorts(${EACH})));
    process.stdin.resume();
    process.stdin.on('end', () => process.exit(0));`;
  const children = Array.from({ length: CHILDREN }, () =>
    spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, TEST_PORTS_FROM: String(from) },
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  try {
    // Each child holds its ports until its stdin closes: all hold theirs at the same time.
    const lists = await Promise.all(
      children.map(async (c) => {
        for await (const line of createInterface({ input: c.stdout! })) {
          return JSON.parse(line) as number[];
        }
        throw new Error('a child printed no ports');
      }),
    );
    const all = lists.flat();
    assert.equal(all.length, CHILDREN * EACH);
    assert.equal(new Set(all).size, all.length, `a port was handed out twice: ${all}`);
    assert.ok(!all.includes(from + 1), 'a port held in the older form is not taken');
    assert.ok(!existsSync(stale), 'the reservation of a process that is gone was removed');
  } finally {
    for (const c of children) c.stdin!.end();
    await Promise.all(children.map((c) => new Promise((r) => c.once('exit', r))));
    rmSync(older, { force: true });
  }
});
