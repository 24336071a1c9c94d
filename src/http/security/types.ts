import type { Context } from 'openapi-backend';
import type { Request } from 'express';
import type { Principal } from '../principal';

/**
 * One handler per security scheme in openapi/openapi.yaml. A handler returns the principal or
 * undefined; openapi-backend answers 401 when no requirement of the operation is met. A handler
 * throws a 403 HttpError for a valid credential that lacks the requirement's scopes.
 */
export type SecurityHandler = (c: Context, req: Request) => Promise<Principal | undefined>;

/** The scope lists of the operation's requirements that name this scheme. */
export function requiredScopes(c: Context, scheme: string): string[][] {
  return (c.operation.security ?? []).filter((r) => scheme in r).map((r) => r[scheme] ?? []);
}

/** The bearer token of an `Authorization: Bearer …` header (RFC 6750 §2.1; the scheme name is case-insensitive). */
export function bearerToken(c: Context): string | undefined {
  return /^bearer ([\x21-\x7e]+)$/i.exec(String(c.request.headers.authorization ?? ''))?.[1];
}
