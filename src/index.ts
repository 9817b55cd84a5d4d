// The package's public surface: the typed client and the in-process member.
export * from './raft/types.js';
