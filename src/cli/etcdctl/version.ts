// The version etcdctl reports: this package's (etcd 2.x compatible), not the reference's.
import { readFileSync } from 'node:fs';

function packageVersion(): string {
  try {
    const url = new URL('../../../../package.json', import.meta.url);
    const v = (JSON.parse(readFileSync(url, 'utf8')) as { version?: string }).version;
    return typeof v === 'string' ? v : '2.0.0';
  } catch {
    return '2.0.0';
  }
}

export const VERSION = packageVersion();
