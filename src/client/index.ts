// The typed etcd v2 client: `new Client({ endpoints })`.
export { Client, type RequestHook } from './client.js';
export * from './errors.js';
export { AbortError } from './transport.js';
export type * from './types.js';
