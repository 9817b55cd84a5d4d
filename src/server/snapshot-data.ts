// What a raft snapshot carries for this server, as etcd 2.0: the v2 store as Go's JSON
// (store.Save). The membership is in the store (/0) and is rebuilt from it.
import type { Store } from '../store/store.js';

export function encodeSnapshotData(store: Store): Uint8Array {
  return store.save();
}

/** The same bytes handed out in chunks, and about how many there will be. */
export function snapshotDataProducer(store: Store): {
  produce: (sink: (chunk: Uint8Array) => void) => void;
  sizeHint: number;
} {
  return { produce: (sink) => store.saveTo(sink), sizeHint: store.saveSizeHint() };
}
