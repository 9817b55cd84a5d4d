// This server's version, from package.json (what /version reports for etcdserver and
// etcdcluster).
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function serverVersion(): string {
  if (cached !== undefined) return cached;
  cached = '2.0.0';
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'etcd-node' && typeof pkg.version === 'string') {
        cached = pkg.version;
        break;
      }
    } catch {
      // the other layout (dist/ or source)
    }
  }
  return cached;
}
