// The layers of DESIGN.md, checked: every import between folders of src/ points down.
// Parses the import/export-from statements of src/**/*.ts (type-only imports count too:
// a type from an upper layer is still an upward arrow).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SRC = join(ROOT, 'src');

/** Which folders of ours each folder may import (DESIGN.md's table). */
const ALLOWED: Record<string, readonly string[]> = {
  raft: [],
  store: ['pkg'],
  pkg: [],
  // The WAL and snapshot files hold raftpb records: raft's types and codec.
  wal: ['pkg', 'raft'],
  snap: ['pkg', 'raft'],
  peer: ['raft', 'pkg'],
  server: ['raft', 'wal', 'snap', 'store', 'peer', 'pkg'],
  api: ['server', 'store', 'pkg'],
  client: ['pkg'],
  discovery: ['client', 'pkg'],
  proxy: ['discovery', 'client', 'pkg'],
  // Upgrades older data dirs: reads 0.4's files, writes a member's (or a proxy's) dir.
  migrate: ['raft', 'wal', 'snap', 'store', 'server', 'proxy', 'pkg'],
  embed: [
    'raft',
    'wal',
    'snap',
    'store',
    'server',
    'peer',
    'api',
    'discovery',
    'proxy',
    'client',
    'migrate',
    'pkg',
  ],
  cli: [
    'raft',
    'wal',
    'snap',
    'store',
    'server',
    'peer',
    'api',
    'discovery',
    'proxy',
    'client',
    'embed',
    'migrate',
    'pkg',
  ],
};

/** Pure codecs (no I/O, no imports of ours) any layer may use: raftpb needs protobuf. */
const PURE_SHARED = new Set(['pkg/protobuf.js']);

/** Node modules a folder must not import: the pure cores do no I/O, server/ serves no HTTP. */
const FORBIDDEN_NODE: Record<string, RegExp> = {
  raft: /^node:(?!buffer$)/,
  store: /^node:(?!buffer$)/,
  server: /^node:(http|https|http2|net)$/,
};

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...tsFiles(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

const IMPORT =
  /^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm;

export function importsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) out.push((m[1] ?? m[2])!);
  return out;
}

/** The arrows DESIGN.md forbids, as "file -> import" lines. */
export function violations(rel: string, text: string): string[] {
  const bad: string[] = [];
  const parts = rel.split('/');
  if (parts.length < 2) return bad; // src/index.ts re-exports the public surface
  const layer = parts[0]!;
  const allowed = ALLOWED[layer];
  assert.ok(allowed, `src/${layer}/ is not in DESIGN.md's table (add it to ALLOWED)`);
  for (const spec of importsOf(text)) {
    if (spec.startsWith('.')) {
      const path = relative(SRC, resolve(SRC, dirname(rel), spec));
      if (PURE_SHARED.has(path)) continue;
      const target = path.split('/')[0]!;
      if (target !== layer && !allowed.includes(target)) bad.push(`src/${rel} -> ${spec}`);
    } else if (FORBIDDEN_NODE[layer]?.test(spec)) {
      bad.push(`src/${rel} -> ${spec}`);
    }
  }
  return bad;
}

test('import statements are parsed, and an upward arrow is caught', () => {
  assert.deepEqual(
    importsOf(
      "import { a } from '../api/router.js';\nimport type {\n  B,\n} from './b.js';\nexport * from \"../x.js\";\nimport 'node:http';",
    ),
    ['../api/router.js', './b.js', '../x.js', 'node:http'],
  );
  const upward =
    "import type { KeysBackend } from '../api/backend.js';\nimport { x } from './y.js';";
  assert.deepEqual(violations('server/member.ts', upward), [
    'src/server/member.ts -> ../api/backend.js',
  ]);
  assert.deepEqual(violations('raft/raft.ts', "import { x } from '../pkg/ids.js';"), [
    'src/raft/raft.ts -> ../pkg/ids.js',
  ]);
  assert.deepEqual(violations('server/a.ts', "import type { IncomingMessage } from 'node:http';"), [
    'src/server/a.ts -> node:http',
  ]);
  assert.deepEqual(violations('cli/etcd/main.ts', "import { a } from '../../embed/etcd.js';"), []);
});

test('no import in src/ points up a layer (DESIGN.md)', () => {
  const files = tsFiles(SRC);
  assert.ok(files.length > 100, `found only ${files.length} files under ${SRC}`);
  const bad = files.flatMap((f) => violations(relative(SRC, f), readFileSync(f, 'utf8')));
  assert.deepEqual(bad, []);
});
