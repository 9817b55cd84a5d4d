// Ports for processes that must be told their port before they start (a cluster's peer URLs
// are known up front; Go etcd cannot listen on port 0 and report back).
//
// Ports come from below the kernel's ephemeral range (32768 and up), so no outgoing
// connection can hold one. Each port is reserved by an exclusive lock file naming our PID,
// shared by every test process and every checkout on the machine, and held until this
// process exits: a port is never "found free, released and handed out" while another test
// could take it. Stale reservations (their PID is gone) are reclaimed.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOW = 20_000;
const HIGH = 32_000; // below net.ipv4.ip_local_port_range's usual start (32768)
const DIR = join(tmpdir(), 'etcd-node-ports');
const held = new Set<number>();
let cursor = LOW + ((process.pid * 7919) % (HIGH - LOW));

process.on('exit', () => {
  for (const p of held) rmSync(lockPath(p), { force: true });
});

function lockPath(port: number): string {
  return join(DIR, `${port}.lock`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryLock(port: number): boolean {
  const file = lockPath(port);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let owner = Number.NaN;
      try {
        owner = Number(readFileSync(file, 'utf8'));
      } catch {
        // removed meanwhile: try again
      }
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) return false;
      rmSync(file, { force: true });
    }
  }
  return false;
}

/** Whether something outside our reservations already listens there (a stray server). */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Reserves one port for the rest of this process's life. */
export async function reservePort(): Promise<number> {
  mkdirSync(DIR, { recursive: true });
  for (let tries = 0; tries < HIGH - LOW; tries++) {
    const port = cursor;
    cursor = cursor + 1 >= HIGH ? LOW : cursor + 1;
    if (held.has(port) || !tryLock(port)) continue;
    if (await bindable(port)) {
      held.add(port);
      return port;
    }
    rmSync(lockPath(port), { force: true });
  }
  throw new Error(`no port left to reserve in [${LOW}, ${HIGH})`);
}

/** Reserves n distinct ports (see reservePort). */
export async function reservePorts(n: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < n) out.push(await reservePort());
  return out;
}

/** Gives reserved ports back once the process that used them has exited. */
export function releasePorts(ports: readonly number[]): void {
  for (const p of ports) {
    if (held.delete(p)) rmSync(lockPath(p), { force: true });
  }
}
