// Errors the client throws: the server's etcd errors, typed, and cluster-level failures
// with the text the Go client (and so etcdctl) prints.

/** An error answered by etcd: `{errorCode, message, cause, index}`. */
export class EtcdError extends Error {
  readonly errorCode: number;
  /** The key or detail the error is about (a string, unlike Error.cause). */
  override readonly cause: string;
  readonly index: number;
  /** HTTP status of the response (0 if unknown). */
  readonly status: number;

  constructor(errorCode: number, message: string, cause = '', index = 0, status = 0) {
    super(message);
    this.name = 'EtcdError';
    this.errorCode = errorCode;
    this.cause = cause;
    this.index = index;
    this.status = status;
  }

  /** etcd's text: `100: Key not found (/nope) [4]`. */
  override toString(): string {
    return `${this.errorCode}: ${this.message} (${this.cause}) [${this.index}]`;
  }

  /** The error a response's JSON body describes (401 as its own class). */
  static from(
    body: { errorCode: number; message?: string; cause?: string; index?: number },
    status: number,
  ): EtcdError {
    const message = body.message ?? '';
    const cause = body.cause ?? '';
    const index = body.index ?? 0;
    if (body.errorCode === 401) return new EventIndexClearedError(message, cause, index, status);
    return new EtcdError(body.errorCode, message, cause, index, status);
  }

  toJSON(): { errorCode: number; message: string; cause: string; index: number } {
    return {
      errorCode: this.errorCode,
      message: this.message,
      cause: this.cause,
      index: this.index,
    };
  }
}

/** 401: the watched index is older than the server's event history. */
export class EventIndexClearedError extends EtcdError {
  constructor(message: string, cause: string, index: number, status: number) {
    super(401, message, cause, index, status);
    this.name = 'EventIndexClearedError';
  }
}

/** A transport-level failure talking to one endpoint (refused, reset, timed out). */
export class EndpointError extends Error {
  readonly endpoint: string;
  /** Node's error code (ECONNREFUSED, ...) or ETIMEDOUT_HEADER / ESERVER. */
  readonly code: string;
  /** For server errors (5xx): the etcd error in the body, if there was one. */
  readonly etcdError: EtcdError | null;
  constructor(endpoint: string, code: string, message: string, etcdError: EtcdError | null = null) {
    super(message);
    this.name = 'EndpointError';
    this.endpoint = endpoint;
    this.code = code;
    this.etcdError = etcdError;
  }
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ERESET_REUSED',
  'ETIMEDOUT',
  'ETIMEDOUT_HEADER',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Every endpoint failed; `errors` holds one error per attempt. */
export class ClusterError extends Error {
  readonly errors: Error[];
  constructor(errors: Error[]) {
    let msg = 'client: etcd cluster is unavailable or misconfigured';
    for (let i = 0; i < errors.length; i++) msg += `; error #${i}: ${errors[i]!.message}\n`;
    super(msg);
    this.name = 'ClusterError';
    this.errors = errors;
  }

  /** One line per error, as the Go client's ClusterError.Detail(). */
  detail(): string {
    let s = '';
    for (let i = 0; i < this.errors.length; i++) s += `error #${i}: ${this.errors[i]!.message}\n`;
    return s;
  }

  /** True when every attempt failed to connect or timed out, not on a TLS or server
   *  error (etcdctl then exits 2 rather than 4). */
  isConnectionError(): boolean {
    return this.errors.every((e) => e instanceof EndpointError && CONNECTION_CODES.has(e.code));
  }
}

/** A sync found no client URLs: the endpoint list is left as it was. */
export class NoEndpointsError extends Error {
  constructor() {
    super('client: no endpoints available');
    this.name = 'NoEndpointsError';
  }
}

/** The response was not the JSON etcd sends. */
export class InvalidResponseError extends Error {
  constructor(
    message = 'client: response is invalid json. The endpoint is probably not valid etcd cluster endpoint.',
  ) {
    super(message);
    this.name = 'InvalidResponseError';
  }
}

/** A members-API answer with an unexpected status (the Go client's wording). */
export class UnexpectedStatusError extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`unexpected status code ${status}`);
    this.name = 'UnexpectedStatusError';
    this.status = status;
  }
}

/** A members-API error body `{"message": ...}` (409 conflict, 404, 410). */
export class MembersError extends Error {
  override name = 'MembersError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}
