// Go's net/http answer to a request it cannot parse or will not serve, written raw on the
// socket before any handler runs: "HTTP/1.1 400 Bad Request", ..., then the connection closes.
import type { Duplex } from 'node:stream';

const GO_ERROR_HEADERS = '\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n';

/** Writes Go's raw answer to an unparsable request ("HTTP/1.1 400 Bad Request" ...) and closes. */
export function goRawError(socket: Duplex, publicErr: string): void {
  if (!socket.writable || (socket as { bytesWritten?: number }).bytesWritten !== 0) {
    socket.destroy();
    return;
  }
  socket.end(`HTTP/1.1 ${publicErr}${GO_ERROR_HEADERS}${publicErr}`);
  // As Go: stop writing, drain what the client still sends for a moment, then close.
  socket.on('data', () => {});
  socket.resume();
  setTimeout(() => socket.destroy(), 500).unref();
}
