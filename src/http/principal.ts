import { unauthorized } from './errors';

/** Who a request acts as, produced by a security handler before any handler runs. */
export type Principal = UserPrincipal | ClientPrincipal | MachinePrincipal;

/** A person: a browser or app session, a user's OAuth access token, or a tenant API key. */
export type UserPrincipal =
  | { kind: 'browser_session' | 'app_session'; userId: number; sessionId: string }
  | { kind: 'oauth'; userId: number; clientId: string; scopes: string[] }
  | { kind: 'api_key'; userId: number; tenantId: number };

/** An OAuth client that authenticated itself (client_secret_basic) at the token, introspection or revocation endpoint. */
export interface ClientPrincipal {
  kind: 'oauth_client';
  clientId: string;
}

/** A machine calling the management API with a client-credentials token (kindeBearerAuth). */
export interface MachinePrincipal {
  kind: 'm2m';
  clientId: string;
  scopes: string[];
}

export const isUserPrincipal = (p: Principal | null | undefined): p is UserPrincipal => p !== null && p !== undefined && 'userId' in p;

/** The person behind the request; 401 when the credential names none. */
export function userOf(principal: Principal | null | undefined): UserPrincipal {
  if (!isUserPrincipal(principal)) throw unauthorized();
  return principal;
}

/** The session behind a session credential; 401 for any other credential. */
export function sessionOf(principal: Principal | null | undefined): Extract<UserPrincipal, { sessionId: string }> {
  if (principal?.kind !== 'browser_session' && principal?.kind !== 'app_session') throw unauthorized();
  return principal;
}
