// Small servers for client tests: canned answers, silence, and a TCP proxy whose
// connections can be cut, to exercise failover and watch reconnection.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  createServer as createTcpServer,
  connect,
  type Server as TcpServer,
  type Socket,
} from 'node:net';

export interface Fake {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

function listen(srv: Server | TcpServer): Promise<number> {
  return new Promise((resolve) => {
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      resolve(typeof a === 'object' && a !== null ? a.port : 0);
    });
  });
}

/** An HTTP server answering every request with `handler`. */
export async function fakeServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Fake> {
  const requests: string[] = [];
  const srv = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  const port = await listen(srv);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

export interface Proxy {
  url: string;
  /** Connections accepted so far. */
  accepted(): number;
  /** Destroys every open connection (the server side stays up). */
  cut(): void;
  close(): Promise<void>;
}

/** A TCP proxy to `target` (host:port). */
export async function tcpProxy(targetPort: number): Promise<Proxy> {
  const open = new Set<Socket>();
  let accepted = 0;
  const srv = createTcpServer((c) => {
    accepted++;
    const up = connect(targetPort, '127.0.0.1');
    open.add(c);
    open.add(up);
    const done = () => {
      c.destroy();
      up.destroy();
      open.delete(c);
      open.delete(up);
    };
    c.on('error', done).on('close', done);
    up.on('error', done).on('close', done);
    c.pipe(up).pipe(c);
  });
  const port = await listen(srv);
  return {
    url: `http://127.0.0.1:${port}`,
    accepted: () => accepted,
    cut() {
      for (const s of open) s.destroy();
      open.clear();
    },
    close: () =>
      new Promise((r) => {
        for (const s of open) s.destroy();
        srv.close(() => r());
      }),
  };
}
