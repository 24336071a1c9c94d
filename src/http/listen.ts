import { readFileSync } from 'node:fs';
import { STATUS_CODES, createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { HttpError } from './errors';
import { serializeError, surfaceFor } from './surfaces';

/**
 * Longest URL (path and query as sent) accepted: longer is 414. Every operation's parameters at their
 * spec maxLength, each character percent-encoded at its worst, fit it (tests/unit/spec-limits.test.ts).
 */
export const MAX_URL_BYTES = 64 * 1024;
/** What the spec-limits test allows for each credential header (session token, API key, JWT, Basic). */
export const CREDENTIAL_BYTES = 8 * 1024;
/** What the spec-limits test allows for the headers any client sends (Host, User-Agent, Accept, Cookie…). */
export const ORDINARY_HEADERS_BYTES = 8 * 1024;
/** Room for the header fields beside the request line. */
export const HEADER_FIELDS_BYTES = 32 * 1024;
/** Node's cap on request line + headers (maxHeaderSize): beyond it, 414 or 431 before express runs. */
export const MAX_HEADER_BYTES = MAX_URL_BYTES + HEADER_FIELDS_BYTES;

/**
 * The HTTP server around the express app, with the limits and timeouts of `config` (see configureHttpServer).
 * `app` may be attached later (tests listen first to learn their port).
 */
export function createHttpServer(config: Config, log: Logger, app?: RequestListener): Server {
  const { requestTimeoutMs, headersTimeoutMs, keepAliveTimeoutMs } = config.http;
  // HTTPS when a certificate is configured (KEYHAVEN_TLS_CERT / KEYHAVEN_TLS_KEY): the same server, over TLS.
  const tls = config.tls && { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) };
  const server = (tls ? (opts: object) => createHttpsServer({ ...opts, ...tls }) : createServer)({
    maxHeaderSize: MAX_HEADER_BYTES,
    requestTimeout: requestTimeoutMs,
    headersTimeout: headersTimeoutMs,
    keepAliveTimeout: keepAliveTimeoutMs,
    // How often Node looks for expired requests (default 30 s, which would add up to 30 s to each timeout).
    connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(headersTimeoutMs / 4))),
  });
  if (app) server.on('request', app);
  server.on('clientError', clientErrorHandler(log));
  return server;
}

interface Refusal {
  error: HttpError;
  method?: string;
  /** The path only, never the query. */
  path?: string;
}

const REQUEST_LINE = /^([A-Z]+) (\S*)/;
const pathOf = (target: string) => target.split('?')[0];

/**
 * Whether an HPE_HEADER_OVERFLOW came from the URL (414) or the header fields (431). `raw` is the chunk
 * in which the parser crossed the cap. When the chunk holds the request line's start, its length decides.
 * A later chunk ends the request line when the text before its first line break ends with the HTTP
 * version; a later chunk with no line break continues the line that overflowed, which is the request
 * line when it holds no whitespace (a request target cannot).
 */
export function classifyOverflow(raw: Buffer | undefined, maxUrl = MAX_URL_BYTES): Refusal {
  const tooLong = new HttpError(414, 'uri_too_long', `URL longer than ${maxUrl} bytes`);
  const tooLarge = new HttpError(431, 'headers_too_large', 'request line or headers too large');
  const text = raw?.toString('latin1') ?? '';
  const lineEnd = text.indexOf('\n');
  const start = text.match(REQUEST_LINE);
  if (start) {
    const target = lineEnd < 0 ? text.slice(start[1].length + 1) : start[2];
    const ended = lineEnd >= 0;
    return { error: !ended || target.length > maxUrl ? tooLong : tooLarge, method: start[1], path: pathOf(target) };
  }
  if (lineEnd >= 0) return { error: /HTTP\/\d\.\d\r?$/.test(text.slice(0, lineEnd)) ? tooLong : tooLarge };
  return { error: /\s/.test(text) ? tooLarge : tooLong };
}

function refusalFor(err: NodeJS.ErrnoException & { rawPacket?: Buffer }): Refusal {
  if (err.code === 'HPE_HEADER_OVERFLOW') return classifyOverflow(err.rawPacket);
  const start = err.rawPacket?.toString('latin1').match(REQUEST_LINE);
  const where = start ? { method: start[1], path: pathOf(start[2]) } : {};
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'HPE_HEADERS_TIMEOUT') {
    return { error: new HttpError(408, 'request_timeout', 'request not received in time'), ...where };
  }
  if (err.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return { error: new HttpError(413, 'payload_too_large', 'chunk extensions too large'), ...where };
  return { error: new HttpError(400, 'invalid_request', 'malformed HTTP request'), ...where };
}

/** After answering a refused connection, how long the client gets to read the answer before it is closed. */
const LINGER_MS = 2000;
const answered = new WeakSet<Socket>();

/**
 * Requests Node refuses before (or while) express reads them: an unparseable request (400), a URL or
 * headers over the cap (414/431), a request not received within the timeouts (408). Each gets a JSON
 * body of its surface and one request log line, as any other request does.
 */
function clientErrorHandler(log: Logger) {
  return (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket) => {
    if (answered.has(socket)) return; // the parser repeats its error for every later chunk
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    answered.add(socket);
    const { error, method, path } = refusalFor(err);
    const res = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
    if (res) {
      // The request reached express and its body is still arriving: answer through its response (the
      // request log line comes from there), unless an answer has begun, which can only be cut short.
      if (res.headersSent) return void socket.destroy();
      const req = res.req as typeof res.req & { path?: string };
      res.statusCode = error.status;
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.setHeader('Connection', 'close');
      res.end(JSON.stringify(serializeError(surfaceFor(req.path ?? pathOf(req.url ?? '/')), error)));
    } else {
      const body = JSON.stringify(serializeError(surfaceFor(path ?? '/'), error));
      socket.end(
        `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      log.info({ method, path, status: error.status }, 'request');
    }
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
}
