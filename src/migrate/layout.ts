// What a data dir holds, told from its top-level entries as etcd 2.0.13 does: member/ is a
// 2.0 member; wal/ + snap/ (wal/ not empty) a 2.0.0 member not yet moved into member/;
// proxy/ a proxy; standby_info a 0.4 standby; snapshot/ + conf + log a 0.4 member. Parts of
// a 0.4 dir without the rest are reported, not mistaken for an empty dir.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export type Layout =
  | 'empty'
  | 'member'
  | 'proxy'
  | 'v2.0.0'
  | 'v0.4'
  | 'v0.4-standby'
  | 'v0.4-incomplete';

export interface DetectedLayout {
  layout: Layout;
  /** Entries that are none of the above (etcd logs them and goes on). */
  unknown: string[];
  /** For v0.4-incomplete: which of snapshot/, conf, log are missing. */
  missing: string[];
}

export class LayoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LayoutError';
  }
}

const V04 = ['snapshot', 'conf', 'log'];
const KNOWN = new Set(['member', 'proxy', 'wal', 'snap', 'standby_info', ...V04]);

export function detectLayout(dataDir: string): DetectedLayout {
  let names: string[];
  try {
    names = readdirSync(dataDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      return { layout: 'empty', unknown: [], missing: [] };
    }
    throw e;
  }
  const has = new Set(names);
  const unknown = names.filter(
    (n) => !KNOWN.has(n) && !n.startsWith('.') && !n.endsWith('.upgrading'),
  );
  const present = V04.filter((n) => has.has(n));
  const looks04 = has.has('snapshot') && present.length > 1;
  if (!looks04) unknown.push(...present);
  const out = (layout: Layout, missing: string[] = []): DetectedLayout => ({
    layout,
    unknown,
    missing,
  });
  if (has.has('member') && has.has('proxy')) {
    throw new LayoutError('invalid datadir. Both member and proxy directories exist.');
  }
  if (has.has('member')) return out('member');
  if (has.has('proxy')) return out('proxy');
  if (has.has('wal') && has.has('snap') && nonEmptyDir(join(dataDir, 'wal'))) return out('v2.0.0');
  if (has.has('standby_info')) return out('v0.4-standby');
  if (present.length === V04.length) return out('v0.4');
  // go-raft always made snapshot/: with it and the log or conf, this was a 0.4 member (a
  // lone file named log or conf is someone else's, and only warned about).
  if (looks04) {
    return out(
      'v0.4-incomplete',
      V04.filter((n) => !has.has(n)),
    );
  }
  return out('empty');
}

function nonEmptyDir(d: string): boolean {
  try {
    return readdirSync(d).length > 0;
  } catch {
    return false;
  }
}
