// The members of the cluster as this member knows them: changed only by applying
// committed ConfChange entries and published attributes, so every member agrees.
import { goJSON } from '../pkg/go-json.js';

export interface MemberInfo {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
}

/** Orders hex member IDs as etcd does (by their uint64 value). */
export function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

export class Membership {
  private readonly members = new Map<string, MemberInfo>();
  /** IDs removed from the cluster: never allowed back. */
  readonly removed = new Set<string>();

  get size(): number {
    return this.members.size;
  }

  get(id: string): MemberInfo | undefined {
    return this.members.get(id);
  }

  has(id: string): boolean {
    return this.members.has(id);
  }

  list(): MemberInfo[] {
    return [...this.members.values()].sort((a, b) => compareIds(a.id, b.id));
  }

  add(m: MemberInfo): void {
    const had = this.members.get(m.id);
    this.members.set(m.id, {
      id: m.id,
      name: m.name || had?.name || '',
      peerURLs: [...m.peerURLs],
      clientURLs: m.clientURLs.length > 0 ? [...m.clientURLs] : (had?.clientURLs ?? []),
    });
  }

  remove(id: string): void {
    this.members.delete(id);
    this.removed.add(id);
  }

  updatePeerURLs(id: string, peerURLs: string[]): void {
    const m = this.members.get(id);
    if (m) m.peerURLs = [...peerURLs];
  }

  setAttributes(id: string, name: string, clientURLs: string[]): void {
    const m = this.members.get(id);
    if (!m) return;
    m.name = name;
    m.clientURLs = [...clientURLs];
  }

  /** All client URLs of all members, as /v2/machines lists them. */
  clientURLs(): string[] {
    const out: string[] = [];
    for (const m of this.list()) out.push(...m.clientURLs);
    return out;
  }

  toJSON(): { members: MemberInfo[]; removed: string[] } {
    return { members: this.list(), removed: [...this.removed] };
  }

  static fromJSON(v: { members: MemberInfo[]; removed: string[] }): Membership {
    const ms = new Membership();
    for (const m of v.members) ms.add(m);
    for (const id of v.removed) ms.removed.add(id);
    return ms;
  }
}

/** A member as /v2/members prints it (key order matters: the JSON is compared by bytes). */
export function memberJSON(m: MemberInfo): string {
  return JSON.stringify({
    id: m.id,
    name: m.name,
    peerURLs: m.peerURLs,
    clientURLs: m.clientURLs,
  });
}

/**
 * GET /members on the peer URL, byte for byte as etcd: a JSON array of its Member struct
 * sorted by ID, IDs as (64-bit) numbers, name and client URLs omitted while empty (not yet
 * published), a trailing newline.
 */
export function peerMembersJSON(list: readonly MemberInfo[]): string {
  let out = '[';
  for (let i = 0; i < list.length; i++) {
    const m = list[i]!;
    if (i > 0) out += ',';
    out += `{"id":${BigInt(`0x${m.id}`).toString()},"peerURLs":${goJSON(m.peerURLs)}`;
    if (m.name !== '') out += `,"name":${goJSON(m.name)}`;
    if (m.clientURLs.length > 0) out += `,"clientURLs":${goJSON(m.clientURLs)}`;
    out += '}';
  }
  return `${out}]\n`;
}

/** The context carried by a ConfChange entry: the member being added or updated. */
export function encodeMemberContext(m: MemberInfo): Uint8Array {
  return Buffer.from(memberJSON(m), 'utf8');
}

export function decodeMemberContext(b: Uint8Array): MemberInfo | null {
  if (b.length === 0) return null;
  try {
    const v = JSON.parse(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8'));
    return {
      id: String(v.id ?? ''),
      name: String(v.name ?? ''),
      peerURLs: Array.isArray(v.peerURLs) ? v.peerURLs.map(String) : [],
      clientURLs: Array.isArray(v.clientURLs) ? v.clientURLs.map(String) : [],
    };
  } catch {
    return null;
  }
}
