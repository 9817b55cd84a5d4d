// The members of the cluster as this member knows them: changed only by applying
// committed ConfChange entries and published attributes, so every member agrees. The store
// holds the authoritative copy (etcd 2.0's /0); this one is rebuilt from it on a snapshot.
import { memberContextJSON, type StoredMembership } from './membership-store.js';

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

  /** The membership the store holds (after a snapshot or a restart). */
  static fromStore(v: StoredMembership): Membership {
    const ms = new Membership();
    for (const m of v.members.values()) ms.add(m);
    for (const id of v.removed) ms.removed.add(id);
    return ms;
  }
}

/**
 * GET /members on the peer URL, byte for byte as etcd: a JSON array of its Member struct
 * sorted by ID, IDs as (64-bit) numbers, name and client URLs omitted while empty (not yet
 * published), a trailing newline.
 */
export function peerMembersJSON(list: readonly MemberInfo[]): string {
  return `[${list.map(memberContextJSON).join(',')}]\n`;
}

/** The context carried by a ConfChange entry: the member as Go JSON (etcd 2.0's Member). */
export function encodeMemberContext(m: MemberInfo): Uint8Array {
  return Buffer.from(memberContextJSON(m), 'utf8');
}
