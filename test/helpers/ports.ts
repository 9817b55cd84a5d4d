// Ports for processes that must be told their port before they start (a cluster's peer URLs
// are known up front; Go etcd cannot listen on port 0 and report back).
//
// Ports come from below the kernel's ephemeral range (32768 and up), so no outgoing
// connection can hold one. A port is reserved by a file naming it and our PID, in a folder
// shared by every test process and every checkout on the machine, and held until this
// process exits: a port is never "found free, released and handed out" while another test
// could take it. Claiming is create-then-look: a process writes its own file for the port,
// then gives the port up if any other live process has one too, so two processes can never
// both hold a port (at worst both give it up). A file whose PID is gone is stale; anyone may
// remove it, as no live process can own a file with that name.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOW = 20_000;
const HIGH = 32_000; // below net.ipv4.ip_local_port_range's usual start (32768)
export const PORTS_DIR = join(tmpdir(), 'etcd-node-ports');
const held = new Set<number>();
// Where this process starts looking (spread by PID; TEST_PORTS_FROM for the helper's own test).
let cursor = Number(process.env.TEST_PORTS_FROM) || LOW + ((process.pid * 7919) % (HIGH - LOW));

process.on('exit', () => {
  for (const p of held) rmSync(lockPath(p, process.pid), { force: true });
});

function lockPath(port: number, pid: number): string {
  return join(PORTS_DIR, `${port}.${pid}.lock`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The PIDs with a claim on `port`: files `<port>.<pid>.lock` (and an older `<port>.lock`). */
function claims(port: number): { pid: number; file: string }[] {
  const out: { pid: number; file: string }[] = [];
  for (const name of readdirSync(PORTS_DIR)) {
    if (!name.startsWith(`${port}.`) || !name.endsWith('.lock')) continue;
    const mid = name.slice(String(port).length + 1, -'.lock'.length);
    const file = join(PORTS_DIR, name);
    let pid = Number(mid);
    if (mid === '') {
      try {
        pid = Number(readFileSync(file, 'utf8'));
      } catch {
        continue; // removed meanwhile
      }
    }
    if (Number.isInteger(pid) && pid > 0) out.push({ pid, file });
  }
  return out;
}

function tryLock(port: number): boolean {
  const mine = lockPath(port, process.pid);
  writeFileSync(mine, '');
  for (const c of claims(port)) {
    if (c.pid === process.pid) continue;
    if (alive(c.pid)) {
      rmSync(mine, { force: true });
      return false;
    }
    rmSync(c.file, { force: true }); // stale: its process is gone
  }
  return true;
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
  mkdirSync(PORTS_DIR, { recursive: true });
  for (let tries = 0; tries < HIGH - LOW; tries++) {
    const port = cursor;
    cursor = cursor + 1 >= HIGH ? LOW : cursor + 1;
    if (held.has(port) || !tryLock(port)) continue;
    if (await bindable(port)) {
      held.add(port);
      return port;
    }
    rmSync(lockPath(port, process.pid), { force: true });
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
    if (held.delete(p)) rmSync(lockPath(p, process.pid), { force: true });
  }
}
