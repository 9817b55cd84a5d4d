// Messages per second over the peer stream between two transports on loopback.
//   node dist/test/peer/bench-stream.js [seconds] [entryBytes] [perSend]
// Sender and receiver run in separate processes (the receiver is this script with
// "receiver" as its first argument), so each has its own event loop as two members would.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MessageType } from '../../src/raft/types.js';
import { TestNode, app } from './harness.js';

const A = 'a1';
const B = 'b2';

async function receiver(): Promise<void> {
  let count = 0;
  let acked = 0;
  const b = await new TestNode(B, {
    record: false,
    onMessage: (m) => {
      if (m.type === MessageType.App) count++;
    },
  }).start();
  b.transport.addPeer(A, [process.argv[3]!]);
  process.stdout.write(`${b.url}\n`);
  // Tell the sender how many arrived, every 20 ms, over stdout (flow control for the bench).
  setInterval(() => {
    if (count !== acked) {
      acked = count;
      process.stdout.write(`${count}\n`);
    }
  }, 20);
  process.on('SIGTERM', () => process.exit(0));
}

async function sender(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 3);
  const entryBytes = Number(process.argv[3] ?? 100);
  const perSend = Number(process.argv[4] ?? 64);
  const a = await new TestNode(A, { record: false }).start();
  const child: ChildProcess = spawn(
    process.execPath,
    [fileURLToPath(import.meta.url), 'receiver', a.url],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let received = 0;
  let buf = '';
  let bUrl = '';
  const urlReady = new Promise<void>((resolve) => {
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (bUrl === '') {
          bUrl = line;
          resolve();
        } else {
          received = Number(line);
        }
        nl = buf.indexOf('\n');
      }
    });
  });
  await urlReady;
  a.transport.addPeer(B, [bUrl]);
  await a.until(() => a.connected(B), 'streams up');
  const window = Number(process.env.WINDOW ?? 3000);
  let sent = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  // Built once: raft hands the transport ready-made messages, their making is not timed.
  const batch = Array.from({ length: perSend }, (_, i) => app(A, B, i, 1, entryBytes));
  while (performance.now() < end) {
    if (sent - received < window) {
      a.transport.send(batch);
      sent += perSend;
    }
    await new Promise((r) => setImmediate(r));
  }
  const pollEnd = performance.now() + 2000;
  while (received < sent && performance.now() < pollEnd)
    await new Promise((r) => setTimeout(r, 20));
  const took = (performance.now() - t0) / 1000;
  const c = a.transport.counters;
  console.log(
    `peer stream: ${received} appends (${entryBytes}-byte entry each) in ${took.toFixed(2)} s = ` +
      `${Math.round(received / took)} msg/s, ${((received * (entryBytes + 87)) / took / 1e6).toFixed(1)} MB/s; ` +
      `${c.streamWrites} writes (${(c.streamMessages / Math.max(1, c.streamWrites)).toFixed(1)} msgs/write), ` +
      `dropped ${c.dropped}, pipeline posts ${c.pipelinePosts}`,
  );
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  await a.stop();
}

if (process.argv[2] === 'receiver') void receiver();
else void sender();
