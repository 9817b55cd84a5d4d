// Errors the server layer returns, as values with etcd's codes. No HTTP here: api/ maps
// a ServerError's code to a status (etcd's etcdhttp does the same with its error values).
import { type EtcdError, raftInternal } from '../store/errors.js';

export type ServerErrorCode =
  | 'IDRemoved'
  | 'IDExists'
  | 'PeerURLExists'
  | 'MemberNotFound'
  | 'MemberRemoved'
  | 'Internal';

/** A membership request refused (etcd's etcdserver.Err* and membership errors). */
export class ServerError extends Error {
  constructor(
    readonly code: ServerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ServerError';
  }
}

export const idRemovedError = (): ServerError =>
  new ServerError('IDRemoved', 'membership: ID removed');
export const idExistsError = (): ServerError =>
  new ServerError('IDExists', 'membership: ID exists');
export const peerUrlExistsError = (): ServerError =>
  new ServerError('PeerURLExists', 'membership: peerURL exists');
export const memberNotFoundError = (id: string): ServerError =>
  new ServerError('MemberNotFound', `No such member: ${id}`);
export const memberRemovedError = (id: string): ServerError =>
  new ServerError('MemberRemoved', `Member permanently removed: ${id}`);

export const timeoutError = (): EtcdError => raftInternal('etcdserver: request timed out');
export const stoppedError = (): EtcdError => raftInternal('etcdserver: server stopped');

/**
 * A condition on which members could disagree (an undecodable committed entry, a raft
 * invariant broken): the member stops, as Go etcd's log.Fatalf/panic does.
 */
export class FatalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FatalError';
  }
}
