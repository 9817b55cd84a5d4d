// A member decides alone whether a peer may be Go etcd 2.0 (PeerLinks.goCompat): any peer
// not known to run this implementation switches raft to 2.0's features and quorum reads
// to the log; the last such peer leaving (or being identified) switches them back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogLevel, Logger } from '../../src/pkg/logger.js';
import type { PeerTransport, TransportHandlers } from '../../src/server/member-options.js';
import { Membership } from '../../src/server/membership.js';
import { PeerLinks } from '../../src/server/peer-links.js';

test('go compat follows what the transport knows of its peers', () => {
  const kinds = new Map<string, string>();
  let handlers: TransportHandlers | null = null;
  const fake: PeerTransport = {
    addPeer: (id) => kinds.set(id, 'unknown'),
    updatePeer: () => {},
    removePeer: (id) => kinds.delete(id),
    send: () => {},
    leaderStats: () => ({}),
    allPeersOurs: () => [...kinds.values()].every((k) => k === 'ours'),
    close: () => {},
  };
  const calls: boolean[] = [];
  const links = new PeerLinks('a', 'c1', new Logger(() => {}, LogLevel.Error), {
    soon: (fn) => fn(),
    onGoCompat: (c) => calls.push(c),
  });
  links.attach(
    (h) => {
      handlers = h;
      return fake;
    },
    {
      onMessage: () => {},
      onUnreachable: () => {},
      onSnapshotStatus: () => {},
      membersJSON: () => '',
    },
    () => true,
  );
  const ms = new Membership();
  ms.add({ id: 'a', name: 'a', peerURLs: ['http://a'], clientURLs: [] });
  links.sync(ms);
  assert.deepEqual(calls, [false], 'alone: every feature');
  links.addPeer('b', ['http://b']);
  assert.equal(links.goCompat, true, 'an unidentified peer may be Go');
  kinds.set('b', 'ours');
  handlers!.onPeerKind?.('b', 'ours');
  assert.equal(links.goCompat, false);
  links.addPeer('c', ['http://c']);
  kinds.set('c', 'go');
  handlers!.onPeerKind?.('c', 'go');
  assert.equal(links.goCompat, true);
  links.removePeer('c');
  assert.equal(links.goCompat, false, 'the Go member left');
  assert.deepEqual(calls, [false, true, false, true, false]);
});
