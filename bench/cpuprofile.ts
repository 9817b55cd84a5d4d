// Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went: the top functions
// by self time, and the share of each layer, both as self time and inclusive (a sample
// counts for a layer when any frame of its stack is in it, so JSON called by the store
// counts for both).
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

// Native bindings that are one system call each (their self time is mostly the kernel's).
const SYSCALLS = new Set([
  'writev',
  'writeBuffer',
  'writeUtf8String',
  'writeLatin1String',
  'writeAsciiString',
  'read',
  'open',
  'openFileHandle',
  'close',
  'fstat',
  'fsync',
  'fdatasync',
  'writeString',
  'rename',
  'readdir',
]);

/** The layer a frame belongs to, from its file (ours under src/) or its name (builtins). */
export function layerOf(f: CallFrame): string {
  const u = f.url;
  if (f.functionName === '(garbage collector)') return 'GC';
  if (f.functionName === '(idle)') return 'idle';
  if (f.functionName === '(program)') return 'V8/native (program)';
  const src = /\/src\/([^/]+)\//.exec(u);
  if (src) return `src/${src[1]}`;
  if (/node:_http_|node:http|internal\/http/.test(u)) return 'node http';
  if (/node:net|node:stream|internal\/streams|internal\/stream_base|node:internal\/net/.test(u)) {
    return 'node net/streams';
  }
  if (/node:fs|internal\/fs/.test(u)) return 'node fs';
  if (u === '' && /^(stringify|parse|JSON\.)/.test(f.functionName)) return 'JSON';
  if (u === '' && SYSCALLS.has(f.functionName)) return 'syscalls (socket/file I/O)';
  if (u === '') return 'builtins';
  if (u.startsWith('node:')) return 'node other';
  return 'other';
}

export interface Summary {
  totalMs: number;
  top: { name: string; where: string; ms: number }[];
  selfByLayer: Map<string, number>;
  inclusiveByLayer: Map<string, number>;
}

export function summarize(file: string, topN = 25): Summary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const self = new Map<number, number>();
  const inclusiveByLayer = new Map<string, number>();
  let totalMs = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const ms = (p.timeDeltas[i] ?? 0) / 1000;
    const id = p.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + ms);
    totalMs += ms;
    const layers = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = byId.get(at);
      if (n && n.callFrame.functionName !== '(root)') layers.add(layerOf(n.callFrame));
    }
    for (const l of layers) inclusiveByLayer.set(l, (inclusiveByLayer.get(l) ?? 0) + ms);
  }
  const byFn = new Map<string, { name: string; where: string; ms: number }>();
  const selfByLayer = new Map<string, number>();
  for (const [id, ms] of self) {
    const f = byId.get(id)!.callFrame;
    const where = f.url ? `${f.url.replace(/^.*\/(src|dist)\//, '')}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName}@${where}`;
    const e = byFn.get(key) ?? { name: f.functionName || '(anonymous)', where, ms: 0 };
    e.ms += ms;
    byFn.set(key, e);
    const l = layerOf(f);
    selfByLayer.set(l, (selfByLayer.get(l) ?? 0) + ms);
  }
  const top = [...byFn.values()].sort((a, b) => b.ms - a.ms).slice(0, topN);
  return { totalMs, top, selfByLayer, inclusiveByLayer };
}

export function printSummary(title: string, s: Summary): void {
  const busy = s.totalMs - (s.selfByLayer.get('idle') ?? 0);
  const pct = (ms: number) => `${((ms / busy) * 100).toFixed(1).padStart(5)}%`;
  console.log(
    `\n== ${title}: ${(s.totalMs / 1000).toFixed(1)} s sampled, ${(busy / 1000).toFixed(1)} s busy (shares are of busy time)`,
  );
  console.log('top self time:');
  for (const t of s.top) {
    if (t.name === '(idle)') continue;
    console.log(`  ${pct(t.ms)}  ${t.name.slice(0, 40).padEnd(40)} ${t.where}`);
  }
  console.log(`${'by layer:'.padEnd(31)}  self  inclusive`);
  const layers = [...s.inclusiveByLayer.keys()].filter((l) => l !== 'idle');
  layers.sort((a, b) => (s.inclusiveByLayer.get(b) ?? 0) - (s.inclusiveByLayer.get(a) ?? 0));
  for (const l of layers) {
    console.log(
      `  ${l.padEnd(28)}${pct(s.selfByLayer.get(l) ?? 0)}  ${pct(s.inclusiveByLayer.get(l)!)}`,
    );
  }
}
