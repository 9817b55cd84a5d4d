// Store statistics, with the field names and order of /v2/stats/store.

export const STAT_FIELDS = [
  'getsSuccess',
  'getsFail',
  'setsSuccess',
  'setsFail',
  'deleteSuccess',
  'deleteFail',
  'updateSuccess',
  'updateFail',
  'createSuccess',
  'createFail',
  'compareAndSwapSuccess',
  'compareAndSwapFail',
  'compareAndDeleteSuccess',
  'compareAndDeleteFail',
  'expireCount',
  'watchers',
] as const;

export type StatField = (typeof STAT_FIELDS)[number];

export type StoreStatsJSON = Record<StatField, number>;

/** The counters; declared in STAT_FIELDS' order, which `{ ...stats }` keeps. */
export class StoreStats implements StoreStatsJSON {
  getsSuccess = 0;
  getsFail = 0;
  setsSuccess = 0;
  setsFail = 0;
  deleteSuccess = 0;
  deleteFail = 0;
  updateSuccess = 0;
  updateFail = 0;
  createSuccess = 0;
  createFail = 0;
  compareAndSwapSuccess = 0;
  compareAndSwapFail = 0;
  compareAndDeleteSuccess = 0;
  compareAndDeleteFail = 0;
  expireCount = 0;
  /** The watcher count when the stats were last read (etcd saves that in snapshots). */
  watchers = 0;
}
