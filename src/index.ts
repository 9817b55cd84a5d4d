// The package's public surface: the typed client, the in-process member (etcd's embed)
// and the types they use.
export * from './client/index.js';
export { type EmbedOptions, type Etcd, StartError, startEtcd } from './embed/etcd.js';
export { Member, type MemberOptions } from './server/member.js';
export type { MemberInfo } from './server/membership.js';
export type { V2Request } from './store/request.js';
export * from './raft/types.js';
