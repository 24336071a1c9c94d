/**
 * The one internal error type. Services throw it; a serializer per surface
 * (src/http/surfaces.ts) turns it into the body the spec declares for that surface.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    /** Machine-readable code: an RFC 6749 error code on OAuth endpoints. */
    readonly code: string,
    message: string,
    readonly extra: { field?: string; headers?: Record<string, string>; expose?: boolean } = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, field?: string, code = 'invalid_request') =>
  new HttpError(400, code, message, { field });

export const unauthorized = (message = 'authentication required', code = 'unauthorized') =>
  new HttpError(401, code, message);

export const forbidden = (message = 'permission denied', code = 'forbidden') => new HttpError(403, code, message);

export const notFound = (message = 'not found', code = 'not_found') => new HttpError(404, code, message);

export const conflict = (message = 'already exists', code = 'conflict') => new HttpError(409, code, message);

export const tooManyRequests = (retryAfterSeconds: number, message = 'too many attempts, try again later') =>
  new HttpError(429, 'rate_limited', message, { headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) } });

/** An RFC 6749 error (token, device, introspection, revocation endpoints). */
export class OAuthError extends HttpError {
  constructor(code: string, description: string, status = 400, headers?: Record<string, string>) {
    super(status, code, description, { headers });
    this.name = 'OAuthError';
  }
}
