// `npm run cluster`: a local three-member cluster on one machine, like etcd's goreman
// Procfile: infra1..3 with clients on 127.0.0.1:12379/22379/32379 and peers on
// 12380/22380/32380, each member's log lines prefixed with its name. Ctrl-C (SIGINT) or
// SIGTERM stops the members gracefully and exits 0; if a member dies, the others are
// stopped and the exit status is 1.
//
//   node dist/scripts/cluster.js [--data-dir DIR] [--client-ports a,b,c] [--peer-ports a,b,c]
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NAMES = ['infra1', 'infra2', 'infra3'];

function option(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : def;
}

function ports(name: string, def: number[]): number[] {
  const list = option(name, def.join(',')).split(',').map(Number);
  if (list.length !== 3 || list.some((p) => !Number.isInteger(p) || p <= 0 || p > 65535)) {
    console.error(`--${name}: three ports, comma-separated`);
    process.exit(2);
  }
  return list;
}

const dataDir = option('data-dir', '.');
const clientPorts = ports('client-ports', [12379, 22379, 32379]);
const peerPorts = ports('peer-ports', [12380, 22380, 32380]);
const initialCluster = NAMES.map((n, i) => `${n}=http://127.0.0.1:${peerPorts[i]}`).join(',');

const children: ChildProcess[] = [];
let stopping = false;
let status = 0;

function prefixLines(name: string, stream: NodeJS.ReadableStream): void {
  let rest = '';
  stream.on('data', (d: Buffer) => {
    const lines = (rest + d.toString()).split('\n');
    rest = lines.pop()!;
    for (const l of lines) process.stdout.write(`${name.padEnd(7)}| ${l}\n`);
  });
}

function stopAll(): void {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
}

NAMES.forEach((name, i) => {
  const client = `http://127.0.0.1:${clientPorts[i]}`;
  const peer = `http://127.0.0.1:${peerPorts[i]}`;
  const args = [
    join(ROOT, 'bin', 'etcd'),
    '--name',
    name,
    '--data-dir',
    join(dataDir, `${name}.etcd`),
    '--listen-client-urls',
    client,
    '--advertise-client-urls',
    client,
    '--listen-peer-urls',
    peer,
    '--initial-advertise-peer-urls',
    peer,
    '--initial-cluster-token',
    'etcd-cluster-1',
    '--initial-cluster',
    initialCluster,
    '--initial-cluster-state',
    'new',
  ];
  // Same process group: a terminal's Ctrl-C reaches the members too, and each stops
  // gracefully on its own; SIGTERM from here covers a signal sent to this script alone.
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  prefixLines(name, child.stdout!);
  prefixLines(name, child.stderr!);
  process.stdout.write(`${name.padEnd(7)}| started (pid ${child.pid}), clients on ${client}\n`);
  child.on('exit', (code, signal) => {
    process.stdout.write(`${name.padEnd(7)}| exited (${code ?? signal})\n`);
    if (!stopping) {
      status = 1;
      stopAll();
    }
    if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(status);
  });
});

process.on('SIGINT', stopAll);
process.on('SIGTERM', stopAll);
