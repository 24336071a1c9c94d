import { createServer, type RequestListener, type Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Request line + headers may be this large. Node's default (16 KiB) is smaller than a URL whose
 * query parameters are within the spec's maxLength but percent-encode multi-byte characters, so
 * such requests would never reach validation.
 */
export const MAX_HEADER_BYTES = 64 * 1024;

/** The HTTP server around the express app; requests Node rejects before express get a JSON body too. */
export function createHttpServer(app: RequestListener): Server {
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, app);
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || (err as { code?: string }).code === 'ECONNRESET') return void socket.destroy();
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
    const body = JSON.stringify({ ok: false, error: tooLarge ? 'headers_too_large' : 'invalid_request', message: tooLarge ? 'request line or headers too large' : 'malformed HTTP request' });
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  return server;
}
