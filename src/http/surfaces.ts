import { HttpError } from './errors';

/** Error bodies per surface, each declared in the spec (components/schemas/errors.yaml). */
export type Surface = 'api' | 'oauth' | 'management';

const SURFACES: readonly Surface[] = ['api', 'oauth', 'management'];

/**
 * The surface of a matched operation is its own declaration (`x-keyhaven-surface`), else its path's;
 * the path prefix alone decides for unknown paths and for errors raised before routing.
 */
export function surfaceFor(path: string, operation?: { 'x-keyhaven-surface'?: unknown }): Surface {
  const declared = operation?.['x-keyhaven-surface'];
  if (SURFACES.includes(declared as Surface)) return declared as Surface;
  if (/^\/(oauth2?|\.well-known|logout)(\/|$)/.test(path)) return 'oauth';
  if (/^\/api\/v1(\/|$)/.test(path)) return 'management';
  return 'api';
}

/** A catalogue code (UPPER_SNAKE, e.g. ROLE_NOT_FOUND) is shown as is on the management surface. */
const CATALOGUE_CODE = /^[A-Z][A-Z0-9_]*$/;

const managementCodes: Record<number, string> = {
  400: 'BAD_REQUEST', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT', 413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE', 429: 'TOO_MANY_REQUESTS', 500: 'INTERNAL_ERROR',
};

const oauthCodes: Record<number, string> = {
  400: 'invalid_request', 401: 'invalid_token', 403: 'insufficient_scope', 404: 'not_found', 405: 'invalid_request',
  413: 'invalid_request', 415: 'invalid_request', 429: 'slow_down', 500: 'server_error',
};

const CORE_CODES = new Set(['unauthorized', 'forbidden', 'csrf', 'method_not_allowed', 'payload_too_large', 'unsupported_media_type', 'rate_limited', 'internal_error', 'request_timeout', 'uri_too_long', 'headers_too_large']);

export function serializeError(surface: Surface, err: HttpError): unknown {
  switch (surface) {
    case 'oauth': {
      // Core codes (internal_error, method_not_allowed, …) are not RFC 6749 codes: map them by status.
      const code = err.status >= 500 ? 'server_error' : /^[a-z_]+$/.test(err.code) && !CORE_CODES.has(err.code) ? err.code : oauthCodes[err.status] ?? 'invalid_request';
      return { error: code, error_description: err.message };
    }
    case 'management':
      return { errors: [{ code: CATALOGUE_CODE.test(err.code) ? err.code : managementCodes[err.status] ?? err.code.toUpperCase(), message: err.message }] };
    default:
      return { ok: false, error: err.code, message: err.message, ...(err.extra.field ? { field: err.extra.field } : {}) };
  }
}
