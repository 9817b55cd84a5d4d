// The v2 keyspace: public surface.
export * from './errors.js';
export { type Action, NodeExtern, StoreEvent } from './event.js';
export { errorJSON, eventJSON, goString, nodeJSON } from './json.js';
export { formatGoTime, parseGoTime, splitUnixNano } from './go-time.js';
export { applyRequest, newRequest, storeCall, type V2Method, type V2Request } from './request.js';
export { StoreStats, type StoreStatsJSON } from './stats.js';
export { NO_TTL, Store, type TTLOptions } from './store.js';
export { type StoreWatcher, WATCHER_QUEUE, Watcher } from './watcher.js';
export { HISTORY_CAPACITY } from './history.js';
