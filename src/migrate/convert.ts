// Reads an etcd 0.4 data dir (snapshot/, conf, log) and rebuilds the keyspace 0.4.9 served
// when it stopped: the newest snapshot's store, then every log entry after it replayed.
// Pure reading: nothing is written here.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { MemberInfo } from '../server/membership.js';
import type { Store } from '../store/store.js';
import { type Conf4, readConf4 } from './conf4.js';
import { type Log4, readLog4 } from './log4.js';
import { addMembers04, findSelf, membersFromStore } from './members4.js';
import { Replayer } from './replay.js';
import { readLatestSnapshot4, type Snapshot4 } from './snapshot4.js';
import { newStore, storeFromSnapshot4, storeTime } from './to-store.js';
import { parseGoTime } from './go-time.js';

/** 2.0's raft terms start at 1 (term 0 is special there); 0.4's start at 0. */
export const TERM_OFFSET_4TO2 = 1;

export interface Converted04 {
  store: Store;
  members: MemberInfo[];
  self: MemberInfo;
  /** The raft position the upgraded member starts at: 0.4's last log entry. */
  index: number;
  term: number;
  snapshotFile: string | null;
  /** Entries replayed on top of the snapshot. */
  replayed: number;
  notes: string[];
}

export class Upgrade04Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Upgrade04Error';
  }
}

export interface ConvertOptions {
  /** --name: this member's 0.4 name (found from conf when absent or not a member). */
  name?: string;
  /** "Now" for the TTLs of views made while replaying (ms); never decides an expiry. */
  now?: number;
}

export function convert04(dataDir: string, opts: ConvertOptions = {}): Converted04 {
  const notes: string[] = [];
  const confFile = join(dataDir, 'conf');
  const logFile = join(dataDir, 'log');
  if (!existsSync(confFile)) {
    throw new Upgrade04Error(
      `${confFile} is missing: cannot upgrade an etcd 0.4 data dir without it`,
    );
  }
  const conf: Conf4 = readConf4(confFile);
  const snap: Snapshot4 | null = readLatestSnapshot4(join(dataDir, 'snapshot'));
  const log: Log4 = existsSync(logFile) ? readLog4(logFile) : { entries: [], tornTail: null };
  if (log.tornTail !== null) {
    notes.push(
      `the last ${log.tornTail.bytes} bytes of ${logFile} (from offset ${log.tornTail.offset}) ` +
        'are a record cut short; ignored, as etcd 0.4 itself does on start',
    );
  }
  const now = opts.now ?? Date.now();
  const store = snap ? storeFromSnapshot4(snap.state, now) : newStore();
  const from = snap ? snap.lastIndex : 0;
  const tail = log.entries.filter((e) => e.index > from);
  const first = tail[0];
  if (first !== undefined && first.index !== from + 1) {
    throw new Upgrade04Error(
      `${logFile} starts at entry ${first.index} but ${snap ? `the snapshot ends at ${from}` : 'there is no snapshot'}: entries are missing`,
    );
  }
  if (snap === null && tail.length === 0) {
    throw new Upgrade04Error(
      `nothing to upgrade in ${dataDir}: the 0.4 log is empty and there is no snapshot`,
    );
  }
  // Views made while replaying (events in the history) are dated by 0.4's own clock: the
  // leader's SYNC times in the log.
  const firstSync = tail.find((e) => e.commandName === 'etcd:sync');
  const r = new Replayer(store, firstSync ? syncTime(firstSync.command, now) : now);
  for (const e of tail) r.apply(e);
  const members = membersFromStore(store);
  if (members.length === 0) {
    throw new Upgrade04Error(
      `the 0.4 keyspace in ${dataDir} lists no machines under /_etcd/machines`,
    );
  }
  const self = findSelf(members, conf, opts.name);
  addMembers04(store);
  if (opts.name && opts.name !== self.name) {
    notes.push(`--name ${opts.name} is not a 0.4 member here; this data dir is ${self.name}'s`);
  }
  const last = tail[tail.length - 1];
  const index = last ? last.index : from;
  const term = (last ? last.term : snap!.lastTerm) + TERM_OFFSET_4TO2;
  return {
    store,
    members,
    self,
    index,
    term,
    snapshotFile: snap?.file ?? null,
    replayed: tail.length,
    notes,
  };
}

function syncTime(command: string, fallback: number): number {
  try {
    return storeTime(parseGoTime((JSON.parse(command) as { time: string }).time));
  } catch {
    return fallback;
  }
}
