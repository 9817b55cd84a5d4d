// One node of the keyspace. Kept small: a name (not the full path), a parent link,
// children only on directories. A file has `children === null`.

export class Node {
  name: string;
  parent: Node | null;
  createdIndex: number;
  modifiedIndex: number;
  /** Absolute expiry time in ms; 0 means permanent. */
  expireTime: number;
  value: string;
  children: Map<string, Node> | null;
  /** Position in the TTL heap, -1 when not in it. */
  heapPos: number;

  constructor(
    name: string,
    parent: Node | null,
    index: number,
    value: string,
    dir: boolean,
    expireTime: number,
  ) {
    this.name = name;
    this.parent = parent;
    this.createdIndex = index;
    this.modifiedIndex = index;
    this.expireTime = expireTime;
    this.value = value;
    this.children = dir ? new Map() : null;
    this.heapPos = -1;
  }

  isDir(): boolean {
    return this.children !== null;
  }

  isHidden(): boolean {
    return this.name.charCodeAt(0) === 95; // '_'
  }

  /** The full key, rebuilt from the names up to the root. */
  path(): string {
    if (this.parent === null) return '/';
    let p = `/${this.name}`;
    for (let n = this.parent; n.parent !== null; n = n.parent) p = `/${n.name}${p}`;
    return p;
  }
}
