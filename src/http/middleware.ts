import express, { type NextFunction, type Request, type Response } from 'express';
import type { Deps } from '../deps';
import { HttpError, badRequest, forbidden } from './errors';
import { sendError } from './backend';
import { checkFormBody, checkJsonBody } from './bodyChecks';
import { MAX_URL_BYTES } from './listen';
import { SESSION_COOKIE } from './security';

/** One JSON line per request; the path only, never the query (it can carry codes and tokens). */
export function requestLog(deps: Deps) {
  return (req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      deps.log.info({ method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  };
}

export function securityHeaders(_req: Request, res: Response, next: NextFunction) {
  res.set({
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cache-Control': 'no-store',
  });
  next();
}

/**
 * 414 for a URL longer than MAX_URL_BYTES, before anything reads it. (Node's own cap on the request line
 * plus headers is larger; a URL beyond that is answered 414 by the HTTP server, src/http/listen.ts.)
 */
export function urlLimit(deps: Deps) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.originalUrl.length <= MAX_URL_BYTES) return next();
    sendError(deps, req, res, new HttpError(414, 'uri_too_long', `URL longer than ${MAX_URL_BYTES} bytes`));
  };
}

/**
 * JSON and form bodies up to the configured limit; parser failures become 400/413/415. Before parsing,
 * every body is checked in one place (src/http/bodyChecks.ts): UTF-8, and JSON nesting depth.
 */
export function bodyParsers(deps: Deps) {
  const limit = deps.config.bodyLimitBytes;
  return [
    express.json({ limit, type: ['application/json', 'application/*+json'], verify: (_req, _res, buf, charset) => checkJsonBody(buf, charset) }),
    express.urlencoded({ limit, extended: false, parameterLimit: 1000, verify: (_req, _res, buf) => checkFormBody(buf) }),
    (err: { type?: string; status?: number } & Error, req: Request, res: Response, next: NextFunction) => {
      if (!err) return next();
      const mapped =
        err instanceof HttpError
          ? err
          : err.type === 'entity.too.large'
            ? new HttpError(413, 'payload_too_large', `request body exceeds ${limit} bytes`)
            : err.type === 'entity.parse.failed'
              ? badRequest(`malformed JSON: ${err.message}`, '/body')
              : err.type === 'charset.unsupported' || err.type === 'encoding.unsupported'
                ? new HttpError(415, 'unsupported_media_type', err.message)
                : err.status && err.status < 500
                  ? badRequest(err.message)
                  : err;
      sendError(deps, req, res, mapped);
    },
  ];
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * CSRF defence for cookie-authenticated requests: a state-changing request that carries the
 * session cookie must come from our own origin. Browsers always send Origin on such requests
 * (or Sec-Fetch-Site); non-browser clients such as curl send neither and are not at risk.
 */
export function csrfGuard(deps: Deps) {
  const allowed = new Set([new URL(deps.config.issuer).origin, ...deps.config.allowedOrigins]);
  return (req: Request, res: Response, next: NextFunction) => {
    if (!UNSAFE.has(req.method) || !String(req.headers.cookie ?? '').includes(`${SESSION_COOKIE}=`)) return next();
    const origin = req.headers.origin;
    const site = req.headers['sec-fetch-site'];
    const crossOrigin = origin ? !allowed.has(origin) : site === 'cross-site';
    if (crossOrigin) return sendError(deps, req, res, forbidden('cross-site request refused', 'csrf'));
    next();
  };
}
