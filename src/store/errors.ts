// etcd's v2 errors, in one table: code, message and HTTP status, as etcd's v2error package.

export const ErrorCodes = {
  KeyNotFound: 100,
  TestFailed: 101,
  NotFile: 102,
  NoMorePeer: 103,
  NotDir: 104,
  NodeExist: 105,
  KeyIsPreserved: 106,
  RootROnly: 107,
  DirNotEmpty: 108,
  ExistingPeerAddr: 109,
  Unauthorized: 110,

  ValueRequired: 200,
  PrevValueRequired: 201,
  TTLNaN: 202,
  IndexNaN: 203,
  ValueOrTTLRequired: 204,
  TimeoutNaN: 205,
  NameRequired: 206,
  IndexOrValueRequired: 207,
  IndexValueMutex: 208,
  InvalidField: 209,
  InvalidForm: 210,
  RefreshValue: 211,
  RefreshTTLRequired: 212,

  RaftInternal: 300,
  LeaderElect: 301,

  WatcherCleared: 400,
  EventIndexCleared: 401,
  StandbyInternal: 402,
  InvalidActiveSize: 403,
  InvalidRemoveDelay: 404,

  ClientInternal: 500,
} as const;

const messages: Record<number, string> = {
  100: 'Key not found',
  101: 'Compare failed',
  102: 'Not a file',
  103: 'Reached the max number of peers in the cluster',
  104: 'Not a directory',
  105: 'Key already exists',
  106: 'The prefix of given key is a keyword in etcd',
  107: 'Root is read only',
  108: 'Directory not empty',
  109: 'Peer address has existed',
  110: 'The request requires user authentication',

  200: 'Value is Required in POST form',
  201: 'PrevValue is Required in POST form',
  202: 'The given TTL in POST form is not a number',
  203: 'The given index in POST form is not a number',
  204: 'Value or TTL is required in POST form',
  205: 'The given timeout in POST form is not a number',
  206: 'Name is required in POST form',
  207: 'Index or value is required',
  208: 'Index and value cannot both be specified',
  209: 'Invalid field',
  210: 'Invalid POST form',
  211: 'Value provided on refresh',
  212: 'A TTL must be provided on refresh',

  300: 'Raft Internal Error',
  301: 'During Leader Election',

  400: 'watcher is cleared due to etcd recovery',
  401: 'The event in requested index is outdated and cleared',
  402: 'Standby Internal Error',
  403: 'Invalid active size',
  404: 'Standby remove delay',

  500: 'Client Internal Error',
};

// Statuses other than 400 (etcd's default for every code not listed).
const statuses: Record<number, number> = {
  100: 404,
  101: 412,
  102: 403,
  105: 412,
  108: 403,
  110: 401,
  300: 500,
  301: 500,
};

export function errorMessage(code: number): string {
  return messages[code] ?? 'Unknown error';
}

export function errorStatus(code: number): number {
  return statuses[code] ?? 400;
}

/** A v2 error: `{errorCode, message, cause, index}` on the wire, with its HTTP status. */
export class EtcdError extends Error {
  readonly errorCode: number;
  /** etcd's cause; '' is omitted from JSON. */
  override cause: string;
  index: number;
  readonly status: number;

  constructor(errorCode: number, cause: string, index: number) {
    const message = errorMessage(errorCode);
    // An answer to a client, not a fault: no stack. Capturing one walks optimized frames
    // back to their source positions, which cost a missed GET more than the rest of it.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'EtcdError';
    this.errorCode = errorCode;
    this.cause = cause;
    this.index = index;
    this.status = errorStatus(errorCode);
  }

  /** The same error about another cause (the API trims the store's key prefix off it). */
  withCause(cause: string): EtcdError {
    return new EtcdError(this.errorCode, cause, this.index);
  }

  toJSON(): { errorCode: number; message: string; cause?: string; index: number } {
    if (this.cause === '')
      return { errorCode: this.errorCode, message: this.message, index: this.index };
    return {
      errorCode: this.errorCode,
      message: this.message,
      cause: this.cause,
      index: this.index,
    };
  }

  override toString(): string {
    return `${this.errorCode}: ${this.message} (${this.cause}) [${this.index}]`;
  }
}

export function isEtcdError(e: unknown): e is EtcdError {
  return e instanceof EtcdError;
}

// Constructors, one per code used by this project.
export const keyNotFound = (cause: string, index: number) => new EtcdError(100, cause, index);
export const testFailed = (cause: string, index: number) => new EtcdError(101, cause, index);
export const notFile = (cause: string, index: number) => new EtcdError(102, cause, index);
export const notDir = (cause: string, index: number) => new EtcdError(104, cause, index);
export const nodeExist = (cause: string, index: number) => new EtcdError(105, cause, index);
export const rootReadOnly = (index: number) => new EtcdError(107, '/', index);
export const dirNotEmpty = (cause: string, index: number) => new EtcdError(108, cause, index);
export const unauthorized = (cause: string) => new EtcdError(110, cause, 0);
/** Request validation errors (200-series): index 0, as etcd's NewRequestError. */
export const requestError = (code: number, cause: string) => new EtcdError(code, cause, 0);
export const valueRequired = (cause: string) => new EtcdError(200, cause, 0);
export const prevValueRequired = (cause: string) => new EtcdError(201, cause, 0);
export const ttlNaN = (cause: string) => new EtcdError(202, cause, 0);
export const indexNaN = (cause: string) => new EtcdError(203, cause, 0);
export const invalidField = (cause: string) => new EtcdError(209, cause, 0);
export const invalidForm = (cause: string) => new EtcdError(210, cause, 0);
export const refreshValue = (cause: string) => new EtcdError(211, cause, 0);
export const refreshTTLRequired = (cause: string) => new EtcdError(212, cause, 0);
export const raftInternal = (cause: string, index = 0) => new EtcdError(300, cause, index);
export const leaderElect = (cause: string, index = 0) => new EtcdError(301, cause, index);
export const watcherCleared = (cause: string, index: number) => new EtcdError(400, cause, index);
export const eventIndexCleared = (start: number, asked: number, index: number) =>
  new EtcdError(401, `the requested history has been cleared [${start}/${asked}]`, index);
