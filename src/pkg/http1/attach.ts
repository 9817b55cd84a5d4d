// attachFastPath(server, handler): a node:http(s) server whose connections are first served
// by this folder's HTTP/1.1 reader and writer, which cost a fraction of node's per request
// (one socket write per answer, no stream objects). Node's own connection handling is kept
// and takes a connection over at the first request the fast path does not serve (see
// head-parser.ts), so every odd case keeps node's parser and the answers ../listen.ts gives.
// The server's timeouts (keep-alive, headers, request) apply to both.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import { BusyPoll } from './busy-poll.js';
import { type ConnectionHost, FastConnection } from './connection.js';
import type { HttpHandler } from './types.js';

const SWEEP_MS = 1000;

export function attachFastPath(server: Server, handler: HttpHandler): void {
  // https: node:http's listener is on the TLS server's secureConnection.
  const event = server instanceof TlsServer ? 'secureConnection' : 'connection';
  const nodeListeners = server.listeners(event) as ((s: Socket) => void)[];
  server.removeAllListeners(event);
  const conns = new Set<FastConnection>();
  const host: ConnectionHost = {
    handler,
    busyPoll: new BusyPoll(),
    handOver(socket, rest) {
      // Paused, so the bytes put back wait for node's reader instead of flowing to no one.
      socket.pause();
      if (rest !== null) socket.unshift(rest);
      for (const l of nodeListeners) l.call(server, socket);
      socket.resume();
    },
    forget(c) {
      conns.delete(c);
    },
  };
  server.on(event, (socket: Socket) => {
    conns.add(new FastConnection(socket, host));
  });

  const sweep = setInterval(() => {
    const now = Date.now();
    const t = {
      keepAliveMs: server.keepAliveTimeout,
      headersMs: server.headersTimeout,
      requestMs: server.requestTimeout,
    };
    for (const c of conns) c.checkTimeouts(now, t);
  }, SWEEP_MS);
  sweep.unref();
  server.once('close', () => clearInterval(sweep));

  const closeIdle = server.closeIdleConnections.bind(server);
  server.closeIdleConnections = () => {
    closeIdle();
    for (const c of conns) c.closeIfIdle();
  };
  const closeAll = server.closeAllConnections.bind(server);
  server.closeAllConnections = () => {
    closeAll();
    for (const c of conns) c.socket.destroy();
  };
}
