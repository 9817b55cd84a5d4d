// Reading an accepted socket without node's stream path. For every read node makes a new
// ArrayBuffer and Buffer, emits 'data' and queues a nextTick (maybeReadMore), and each
// tick-queue run makes a Map (processPromiseRejections): about a third of what one
// keep-alive GET allocated (1,677-1,768 bytes before, 1,212-1,484 after), so fewer
// young-generation collections stop a one-client reader. net.Socket's `onread` option
// reads into a caller's buffer and skips all of that, but node:net offers it to client
// sockets only; this gives an accepted socket the same through the two fields and the
// handle method that option sets. Where they are missing (another node version, TLS) it
// returns false and the caller keeps 'data'.
import type { Socket } from 'node:net';

/** Every socket reads into this one buffer: each read's callback copies out before the next. */
const SHARED = Buffer.allocUnsafe(64 * 1024);

interface UserBufferHandle {
  useUserBuffer?: (buf: Uint8Array) => void;
}

interface Fields {
  kBuffer: symbol;
  kBufferCb: symbol;
}

/** node's two private keys, the same on every socket: looked up until found, then kept. */
let keys: Fields | null = null;

function fieldsOf(socket: Socket): Fields | null {
  if (keys === null) {
    const own = Object.getOwnPropertySymbols(socket);
    const kBuffer = own.find((s) => s.description === 'kBuffer');
    const kBufferCb = own.find((s) => s.description === 'kBufferCb');
    if (kBuffer && kBufferCb) keys = { kBuffer, kBufferCb };
  }
  return keys;
}

/**
 * Delivers the socket's bytes to `onChunk` (a fresh Buffer per read, the caller's to keep)
 * instead of 'data' events; `onChunk` returning false stops reading until the stream's
 * resume() or read(). 'end', 'close', pause() and resume() work as before. Returns false,
 * changing nothing, where node does not have the fields this needs.
 */
export function readIntoSharedBuffer(socket: Socket, onChunk: (chunk: Buffer) => boolean): boolean {
  if ('encrypted' in socket) return false;
  const handle = (socket as unknown as { _handle?: UserBufferHandle | null })._handle;
  if (!handle || typeof handle.useUserBuffer !== 'function') return false;
  const k = fieldsOf(socket);
  if (k === null) return false;
  const { kBuffer, kBufferCb } = k;
  const fields = socket as unknown as Record<symbol, unknown>;
  if (fields[kBuffer] !== null && fields[kBuffer] !== undefined) return false;
  fields[kBuffer] = SHARED;
  fields[kBufferCb] = (n: number): boolean => {
    const chunk = Buffer.allocUnsafe(n);
    SHARED.copy(chunk, 0, 0, n);
    return onChunk(chunk);
  };
  handle.useUserBuffer(SHARED);
  return true;
}
