// The implementations a bench compares, in column order: ours, Go etcd 2.0.13 (the peer to
// beat, built from source) and Debian's etcd 3.4 (v2 API emulated). A missing one is left
// out with a note instead of failing the bench. BENCH_IMPLS=ours,go picks a subset.
import { accessSync, constants } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GO_ETCD } from '../test/helpers/go-etcd.js';
import { DEBIAN_ETCD } from '../test/helpers/reference.js';

export type ImplKey = 'ours' | 'go' | 'v34';

export interface Impl {
  key: ImplKey;
  /** Column heading. */
  label: string;
  cmd: string;
  /** Arguments before the etcd flags (node options and bin/etcd for ours). */
  pre: string[];
  /** Arguments after the etcd flags (--enable-v2 for 3.4). */
  post: string[];
  /** Log lines go to its output (ours is silenced unless a bench needs its log). */
  env: NodeJS.ProcessEnv;
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const OUR_ETCD = join(ROOT, 'bin', 'etcd');

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function runs(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const ALL: Record<ImplKey, () => Impl | string> = {
  ours: () => ({
    key: 'ours',
    label: 'ours',
    cmd: process.execPath,
    pre: [...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), OUR_ETCD],
    post: [],
    env: { ETCD_LOG_SILENT: '1' },
  }),
  go: () =>
    executable(GO_ETCD.etcd)
      ? { key: 'go', label: '2.0.13', cmd: GO_ETCD.etcd, pre: [], post: [], env: {} }
      : `Go etcd 2.0.13 not found at ${GO_ETCD.etcd} (run ../shared/ref-etcd/build.sh): column left out`,
  v34: () =>
    runs(DEBIAN_ETCD)
      ? {
          key: 'v34',
          label: '3.4',
          cmd: DEBIAN_ETCD,
          pre: [],
          post: ['--enable-v2=true'],
          env: {},
        }
      : `Debian's etcd 3.4 not installed (apt-get install etcd-server): column left out`,
};

/** The implementations to bench (BENCH_IMPLS, else `byDefault`), and a note for each left out. */
export function implementations(byDefault = 'ours,go,v34'): { impls: Impl[]; notes: string[] } {
  const want = (process.env.BENCH_IMPLS ?? byDefault).split(',').map((s) => s.trim());
  const impls: Impl[] = [];
  const notes: string[] = [];
  for (const key of ['ours', 'go', 'v34'] as const) {
    if (!want.includes(key)) continue;
    const r = ALL[key]();
    if (typeof r === 'string') notes.push(r);
    else impls.push(r);
  }
  return { impls, notes };
}

/** Round r's order: rotated each round, so no implementation always runs first. */
export function alternate<T>(xs: readonly T[], round: number): T[] {
  const k = round % Math.max(1, xs.length);
  return [...xs.slice(k), ...xs.slice(0, k)];
}

function firstLine(cmd: string): string {
  try {
    return execFileSync(cmd, ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? '';
  } catch {
    return '';
  }
}

/** One line naming what runs in each column (the binaries and their versions). */
export function describeImpls(impls: Impl[]): string {
  const parts = impls.map((i) => {
    if (i.key === 'ours') return `ours (node ${process.version}, ${OUR_ETCD})`;
    if (i.key === 'v34') return `3.4 (${firstLine(i.cmd)})`;
    return `${i.label} (${i.cmd})`;
  });
  return `columns: ${parts.join('; ')}`;
}
