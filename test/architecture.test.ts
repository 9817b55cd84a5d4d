// The layers of DESIGN.md, checked: every import between folders of src/ points down.
// Parses the import/export-from statements of src/**/*.ts (type-only imports count too:
// a type from an upper layer is still an upward arrow). Also DESIGN.md's other checkable
// rules: peer/ takes only raft's types and codecs, api/ only server/'s interface; the pure
// cores (raft/, store/) do no I/O and touch no clock, timer or randomness; server/ serves
// no HTTP; errors with etcd's codes are made in store/errors.ts.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SRC = join(ROOT, 'src');

/** Every folder but cli/ and embed/: what embed/ assembles and cli/ may use too. */
const ABOVE_CLI = [
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
];

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
  embed: ABOVE_CLI,
  cli: [...ABOVE_CLI, 'embed'],
};

/** Pure codecs (no I/O, importing only each other) any layer may use: raftpb needs them. */
const PURE_SHARED = new Set(['pkg/protobuf.js', 'pkg/protobuf-schema.js']);

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
  /^\s*(?:import|export)\b([^'"]*?)\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm;

export interface ImportOf {
  spec: string;
  /** `import type ...` / `export type ...`: erased at compile time. */
  typeOnly: boolean;
}

export function importsOf(text: string): string[] {
  return importsWithKind(text).map((i) => i.spec);
}

function importsWithKind(text: string): ImportOf[] {
  const out: ImportOf[] = [];
  for (const m of text.matchAll(IMPORT)) {
    out.push({ spec: (m[2] ?? m[3])!, typeOnly: /^\s*type\b/.test(m[1] ?? '') });
  }
  return out;
}

/**
 * Narrower than the folder table, as DESIGN.md words it: peer/ takes raft's types and
 * codecs only (not the state machine), api/ takes only server/'s interface (types, and
 * the errors it returns).
 */
const ONLY: Record<string, Record<string, (path: string, typeOnly: boolean) => boolean>> = {
  peer: { raft: (p) => ['raft/types.js', 'raft/codec.js', 'raft/raftpb.js'].includes(p) },
  api: { server: (p, typeOnly) => typeOnly || p === 'server/errors.js' },
};

/** What the pure cores must not touch: the clock, timers, randomness, the process. */
const IMPURE =
  /\b(?:Date\.now|new Date\b|Math\.random|performance\.now|setTimeout|setInterval|setImmediate|queueMicrotask|process\.)/;
const PURE_CORES = new Set(['raft', 'store']);

function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

/** Errors with etcd's codes are made in store/errors.ts only (client/ has its own class). */
const ERROR_HOME = 'store/errors.ts';

/** The arrows DESIGN.md forbids, as "file -> import" lines. */
export function violations(rel: string, text: string): string[] {
  const bad: string[] = [];
  const parts = rel.split('/');
  if (parts.length < 2) return bad; // src/index.ts re-exports the public surface
  const layer = parts[0]!;
  const allowed = ALLOWED[layer];
  assert.ok(allowed, `src/${layer}/ is not in DESIGN.md's table (add it to ALLOWED)`);
  for (const { spec, typeOnly } of importsWithKind(text)) {
    if (spec.startsWith('.')) {
      const path = relative(SRC, resolve(SRC, dirname(rel), spec));
      if (PURE_SHARED.has(path)) continue;
      if (PURE_SHARED.has(rel.replace(/\.ts$/, '.js'))) {
        bad.push(`src/${rel} -> ${spec} (a shared pure codec imports only the others)`);
        continue;
      }
      const target = path.split('/')[0]!;
      if (target !== layer && !allowed.includes(target)) bad.push(`src/${rel} -> ${spec}`);
      else if (ONLY[layer]?.[target]?.(path, typeOnly) === false) {
        bad.push(`src/${rel} -> ${spec}`);
      }
    } else if (FORBIDDEN_NODE[layer]?.test(spec)) {
      bad.push(`src/${rel} -> ${spec}`);
    }
  }
  const code = withoutComments(text);
  if (PURE_CORES.has(layer)) {
    const m = IMPURE.exec(code);
    if (m) bad.push(`src/${rel} uses ${m[0]}`);
  }
  if (layer !== 'client' && rel !== ERROR_HOME && /\bnew EtcdError\(/.test(code)) {
    bad.push(`src/${rel} makes an EtcdError outside ${ERROR_HOME}`);
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
  assert.deepEqual(violations('pkg/protobuf-schema.ts', "import { x } from './ids.js';"), [
    'src/pkg/protobuf-schema.ts -> ./ids.js (a shared pure codec imports only the others)',
  ]);
  assert.deepEqual(violations('raft/raft.ts', "import { x } from '../pkg/ids.js';"), [
    'src/raft/raft.ts -> ../pkg/ids.js',
  ]);
  assert.deepEqual(violations('server/a.ts', "import type { IncomingMessage } from 'node:http';"), [
    'src/server/a.ts -> node:http',
  ]);
  assert.deepEqual(violations('cli/etcd/main.ts', "import { a } from '../../embed/etcd.js';"), []);
  assert.deepEqual(violations('peer/a.ts', "import { RawNode } from '../raft/rawnode.js';"), [
    'src/peer/a.ts -> ../raft/rawnode.js',
  ]);
  assert.deepEqual(
    violations('peer/a.ts', "import { encodeMessage } from '../raft/codec.js';"),
    [],
  );
  assert.deepEqual(violations('api/a.ts', "import { Member } from '../server/member.js';"), [
    'src/api/a.ts -> ../server/member.js',
  ]);
  assert.deepEqual(
    violations('api/a.ts', "import type { Member } from '../server/member.js';"),
    [],
  );
  assert.deepEqual(violations('raft/a.ts', '// no Date.now() here\nconst t = Date.now();'), [
    'src/raft/a.ts uses Date.now',
  ]);
  assert.deepEqual(violations('store/a.ts', '/* Math.random() */ const x = 1;'), []);
  assert.deepEqual(violations('api/a.ts', 'throw new EtcdError(100, "/a", 1);'), [
    'src/api/a.ts makes an EtcdError outside store/errors.ts',
  ]);
});

test('no import in src/ points up a layer (DESIGN.md)', () => {
  const files = tsFiles(SRC);
  assert.ok(files.length > 100, `found only ${files.length} files under ${SRC}`);
  const bad = files.flatMap((f) => violations(relative(SRC, f), readFileSync(f, 'utf8')));
  assert.deepEqual(bad, []);
});

test('a source file over 500 lines says why at its top', () => {
  const long = tsFiles(SRC)
    .map((f) => ({ f: relative(SRC, f), lines: readFileSync(f, 'utf8').split('\n') }))
    .filter(({ lines }) => lines.length > 501);
  const unexplained = long
    .filter(({ lines }) => !lines[0]!.startsWith('// Over 500 lines:'))
    .map(({ f, lines }) => `${f} (${lines.length - 1} lines)`);
  assert.deepEqual(unexplained, []);
});
