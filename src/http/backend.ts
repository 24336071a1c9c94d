import { OpenAPIBackend, type Context, type Document } from 'openapi-backend';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Request, Response } from 'express';
import spec from '../../generated/openapi.json';
import { operationIds } from '../../generated/operations';
import type { Deps } from '../deps';
import type { Handlers } from './handler';
import { HttpError, badRequest } from './errors';
import { principalFrom, type SecurityHandler } from './security';
import { clientIp } from './clientIp';
import { send } from './send';
import { serializeError, surfaceFor, type Surface } from './surfaces';
import { translateDbError } from '../store/errors';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

function ajv2020(_ajv: unknown, opts: object) {
  const ajv = new Ajv2020({ ...opts, strict: false, allErrors: false });
  addFormats(ajv);
  return ajv as never;
}

/** "requestBody/email" → "/body/email"; required-property errors name the missing field. */
function failingField(e: { instancePath: string; params?: Record<string, unknown> }): string {
  const missing = e.params?.missingProperty ?? e.params?.unevaluatedProperty ?? e.params?.additionalProperty;
  const path = e.instancePath.replace(/^\/requestBody/, '/body').replace(/^\/header\//, '/headers/');
  return missing ? `${path}/${missing}` : path || '/body';
}

/** openapi-backend validates documents against the 3.0 schema only; the 3.1 document is linted by Redocly (make lint). */
class Backend extends OpenAPIBackend {
  validateDefinition() {
    return this.document;
  }
}

export async function createBackend(deps: Deps, handlers: Handlers, security: Record<string, SecurityHandler>) {
  const api = new Backend({
    definition: structuredClone(spec) as unknown as Document,
    strict: true,
    validate: true,
    coerceTypes: true,
    customizeAjv: ajv2020,
  });

  for (const name of Object.keys(spec.components.securitySchemes)) {
    const handler = security[name];
    if (!handler) throw new Error(`no security handler for scheme ${name}`);
    api.registerSecurityHandler(name, handler as never);
  }
  const missing = operationIds.filter((id) => typeof handlers[id] !== 'function');
  if (missing.length) throw new Error(`operations without a handler: ${missing.join(', ')}`);

  const routes = (method: string, path: string) => {
    try {
      return Boolean(api.router.matchOperation({ method, path, headers: {} }, true));
    } catch {
      return false;
    }
  };
  // HEAD is served as GET wherever the spec declares no HEAD of its own (RFC 9110 §9.3.2).
  const routedMethod = (method: string, path: string) => (method === 'HEAD' && !routes('head', path) && routes('get', path) ? 'GET' : method);
  const allowedMethods = (path: string) =>
    METHODS.filter((m) => routes(m, path) || (m === 'head' && routes('get', path))).map((m) => m.toUpperCase());

  api.register({
    notFound: () => {
      throw new HttpError(404, 'not_found', 'no such path');
    },
    methodNotAllowed: (c: Context) => {
      const allow = allowedMethods(c.request.path).join(', ');
      throw new HttpError(405, 'method_not_allowed', `method not allowed; allowed: ${allow}`, { headers: { Allow: allow } });
    },
    postRoutingHandler: (c: Context, req: Request, res: Response) => {
      // Errors from here on (security, validation, the handler) take the operation's surface.
      res.locals.surface = surfaceFor(req.path, c.operation as never);
      checkContentType(c, req);
    },
    unauthorizedHandler: (c: Context) => {
      const denied = scopeDenial(c);
      if (denied) throw denied;
      const schemes = (c.operation.security ?? []).flatMap((r) => Object.keys(r));
      const bearer = schemes.some((s) => (spec.components.securitySchemes as Record<string, { scheme?: string }>)[s]?.scheme === 'bearer');
      const presented = Boolean(c.request.headers.authorization || c.request.headers['x-kendr-session'] || c.request.headers['x-api-key'] || c.request.cookies?.kendr_session);
      const challenge = bearer
        ? `Bearer realm="keyhaven"${presented ? ', error="invalid_token"' : ''}`
        : 'Session realm="keyhaven"';
      throw new HttpError(401, presented ? 'invalid_token' : 'unauthorized', presented ? 'credentials are invalid, expired or revoked' : 'authentication required', {
        headers: { 'WWW-Authenticate': challenge },
      });
    },
    validationFail: (c: Context) => {
      const e = c.validation.errors?.[0];
      const field = e ? failingField(e as never) : undefined;
      throw badRequest(e ? `${field} ${e.message}` : 'invalid request', field);
    },
  });

  for (const id of operationIds) {
    const handler = handlers[id] as (ctx: unknown) => unknown;
    api.register(id, async (c: Context, req: Request, res: Response) => {
      const principal = principalFrom(c);
      // An anonymous alternative (`{}`) does not hide a valid token's missing scope.
      const denied = principal ? undefined : scopeDenial(c);
      if (denied) throw denied;
      const out = (await handler({
        operationId: id,
        body: c.request.requestBody ?? {},
        query: c.request.query ?? {},
        path: c.request.params ?? {},
        headers: c.request.headers as Record<string, string | undefined>,
        cookies: c.request.cookies ?? {},
        principal,
        ip: clientIp(deps, req),
        userAgent: req.headers['user-agent'],
        deps,
        req,
      })) as Parameters<typeof send>[2];
      if (deps.config.validateResponses && out.body !== undefined && out.redirect === undefined) {
        const check = api.validateResponse(out.body, c.operation, out.status);
        if (check.errors) {
          deps.log.error({ operationId: id, status: out.status, errors: check.errors }, 'response does not match the spec');
          throw new Error(`response of ${id} does not match the spec`);
        }
      }
      send(res, deps.config, out);
    });
  }
  await api.init();

  return async function handle(req: Request, res: Response): Promise<void> {
    try {
      await api.handleRequest(
        // Node sends no body in answer to HEAD, whatever the handler writes.
        { method: routedMethod(req.method, req.path), path: req.path, body: req.body, query: req.query as never, headers: req.headers as never },
        req,
        res,
      );
    } catch (err) {
      sendError(deps, req, res, err);
    }
  };
}

/** The 403 a security handler threw for a valid credential lacking a scope (insufficient_scope), if any. */
function scopeDenial(c: Context): HttpError | undefined {
  return Object.values(c.security ?? {})
    .map((r) => (r as { error?: unknown } | undefined)?.error)
    .find((e): e is HttpError => e instanceof HttpError && e.status === 403);
}

/** 415 when a body is sent with a media type the operation does not declare. */
function checkContentType(c: Context, req: Request) {
  if (!c.operation) return;
  const content = (c.operation.requestBody as { content?: Record<string, unknown> } | undefined)?.content;
  if (!content) return;
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) return;
  const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (!Object.keys(content).includes(type)) {
    throw new HttpError(415, 'unsupported_media_type', `Content-Type must be one of: ${Object.keys(content).join(', ')}`);
  }
}

export function sendError(deps: Deps, req: Request, res: Response, err: unknown): void {
  const translated = translateDbError(err);
  const httpErr =
    translated instanceof HttpError ? translated : new HttpError(500, 'internal_error', 'internal server error');
  // A deliberate 5xx (e.g. 502 from an unreachable upstream) is expected operation, not a bug.
  if (!(translated instanceof HttpError)) deps.log.error({ err, path: req.path }, 'unhandled error');
  else if (httpErr.status >= 500) deps.log.warn({ err: { code: httpErr.code, message: httpErr.message }, path: req.path }, 'upstream or service error');
  if (res.headersSent) return void res.end();
  send(res, deps.config, {
    status: httpErr.status,
    body: serializeError((res.locals?.surface as Surface | undefined) ?? surfaceFor(req.path), httpErr),
    headers: httpErr.extra.headers,
  });
}
