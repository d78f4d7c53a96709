import type { MiddlewareHandler } from 'hono';
import { HttpError } from './errors.ts';

/**
 * How much of an oversized body is read and thrown away before the 413 is sent. Past it the
 * connection is cut (the 413 may then be lost): a client sending that much is not waiting for it.
 */
const DISCARD_LIMIT = 64 * 1024 * 1024;

/**
 * Request bodies over `maxBytes` are answered 413 `PAYLOAD_TOO_LARGE`, whether they say their
 * length (`Content-Length`) or not (`Transfer-Encoding: chunked`, counted as they are read).
 *
 * The rest of an oversized body is read and discarded *before* the 413 is sent. A server that
 * answers while the client is still sending, then closes with unread bytes, makes the kernel
 * reset the connection, and a client still uploading usually loses the answer with it (it sees
 * "connection reset", not 413); the Node adapter also cuts such connections 500 ms after the
 * answer. Read to its end, the request completes, the client reads its 413, and a keep-alive
 * connection stays usable. Past {@link DISCARD_LIMIT} the body is cancelled instead.
 */
export function bodyLimit(maxBytes: number): MiddlewareHandler {
  const tooLarge = () => new HttpError('PAYLOAD_TOO_LARGE', `The request body is over ${maxBytes} bytes`);
  return async (c, next) => {
    // Decided from the headers alone where they suffice: touching `c.req.raw.body` makes the Node
    // adapter build a full web `Request` with a body stream for every request, where reading the
    // body later (the route's JSON) otherwise takes a direct path from the socket.
    const length = c.req.header('content-length');
    if (c.req.header('transfer-encoding') === undefined) {
      // HTTP/1.1: a request with neither header has no body. With a Content-Length, the server
      // holds the client to it: a body within it cannot grow past it.
      if (length === undefined || Number(length) <= maxBytes) return next();
      const body = c.req.raw.body;
      if (body) await discard(body.getReader(), Number(length) <= DISCARD_LIMIT ? DISCARD_LIMIT : -1);
      throw tooLarge();
    }
    const body = c.req.raw.body;
    if (!body) return next();
    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await discard(reader, DISCARD_LIMIT - size);
        throw tooLarge();
      }
      chunks.push(value);
    }
    c.req.raw = new Request(c.req.raw, { body: Buffer.concat(chunks, size) });
    return next();
  };
}

/** Reads and drops the rest of a body, at most `budget` bytes; past that (or on a read error) cancels it. */
async function discard(reader: ReadableStreamDefaultReader<Uint8Array>, budget: number): Promise<void> {
  let left = budget;
  try {
    while (left >= 0) {
      const { done, value } = await reader.read();
      if (done) return;
      left -= value.byteLength;
    }
  } catch {
    // The client went away: nothing left to read.
  }
  await reader.cancel().catch(() => {});
}
