// Key paths as etcd's store sees them: path.Clean(path.Join("/", p)) in Go.

/** True when p is already what Go's path.Clean would return for an absolute path. */
function isClean(p: string): boolean {
  const n = p.length;
  if (n === 0 || p.charCodeAt(0) !== 47) return false;
  if (n === 1) return true;
  if (p.charCodeAt(n - 1) === 47) return false;
  // Look for "//", "/./", "/../", and a trailing "/." or "/..".
  let i = p.indexOf('/', 1);
  let prev = 0;
  for (;;) {
    const end = i < 0 ? n : i;
    const len = end - prev - 1;
    if (len === 0) return false;
    if (p.charCodeAt(prev + 1) === 46) {
      if (len === 1) return false;
      if (len === 2 && p.charCodeAt(prev + 2) === 46) return false;
    }
    if (i < 0) return true;
    prev = i;
    i = p.indexOf('/', i + 1);
  }
}

/** Go's path.Clean(path.Join("/", p)): absolute, no empty, "." or ".." parts, no trailing slash. */
export function cleanPath(p: string): string {
  if (isClean(p)) return p;
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      out.pop();
      continue;
    }
    out.push(part);
  }
  return `/${out.join('/')}`;
}

/** Go's path.Join(dir, name) for a clean absolute dir and a plain name. */
export function joinPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/** The last element of a clean path ("" for the root). */
export function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** The parent of a clean path ("/" for top-level keys and for the root). */
export function dirName(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

/** The name of an in-order key: the index in decimal, unpadded as in etcd 2.0 (2.2 padded it). */
export function inOrderName(index: number): string {
  return String(index);
}
