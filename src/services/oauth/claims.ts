import { accessTokenIdentityClaims, idTokenIdentityClaims } from '../management/tokenClaims';
import type { Deps } from '../../deps';
import type { User } from '../../store/repositories/users';
import type { Grant, OAuthClient } from './types';

/**
 * The one place where token claim sets are built: RFC 9068 / OIDC Core claims here, and the identity
 * model's (organization, roles, permissions, feature flags, properties: seed 002) from
 * src/services/management/tokenClaims.ts, recomputed at every issue and refresh.
 */
export interface AccessClaimContext {
  deps: Deps;
  client: OAuthClient;
  /** Absent for client_credentials (M2M) tokens. */
  user?: User;
  grant?: Pick<Grant, 'extra' | 'authTime' | 'amr'>;
  scopes: string[];
  audience: string[];
  jti: string;
  /** Seconds since the epoch. */
  iat: number;
  exp: number;
}

/** RFC 9068 claims plus seed 002's: `permissions` always; for a user, the organization signed into and what it grants. */
export async function accessTokenClaims(ctx: AccessClaimContext): Promise<Record<string, unknown>> {
  const { deps, client, user, grant } = ctx;
  const claims: Record<string, unknown> = {
    iss: deps.config.issuer,
    sub: user ? user.public_id : client.clientId,
    aud: ctx.audience,
    client_id: client.clientId,
    azp: client.clientId,
    iat: ctx.iat,
    exp: ctx.exp,
    jti: ctx.jti,
    scp: ctx.scopes,
    scope: ctx.scopes.join(' '),
    permissions: [],
  };
  if (!user) claims.gty = 'client_credentials';
  if (user) Object.assign(claims, await accessTokenIdentityClaims(deps, user, grant?.extra.org_code));
  if (user && ctx.scopes.includes('email') && user.email) claims.email = user.email;
  return claims;
}

export interface IdClaimContext {
  deps: Deps;
  clientId: string;
  user: User;
  scopes: string[];
  authTime: number;
  amr: string[];
  nonce?: string;
  atHash: string;
  iat: number;
  exp: number;
}

/** OIDC Core §2 ID token claims (profile and email ones follow the granted scopes), and seed 002's organizations. */
export async function idTokenClaims(ctx: IdClaimContext): Promise<Record<string, unknown>> {
  const { user, scopes } = ctx;
  const claims: Record<string, unknown> = {
    ...(await idTokenIdentityClaims(ctx.deps, user)),
    iss: ctx.deps.config.issuer,
    aud: [ctx.clientId],
    azp: ctx.clientId,
    sub: user.public_id,
    iat: ctx.iat,
    exp: ctx.exp,
    auth_time: Math.floor(ctx.authTime / 1000),
    at_hash: ctx.atHash,
  };
  if (ctx.nonce) claims.nonce = ctx.nonce;
  if (ctx.amr.length) claims.amr = ctx.amr;
  if (scopes.includes('email') && user.email) Object.assign(claims, { email: user.email, email_verified: user.email_verified === 1 });
  if (scopes.includes('profile')) {
    const name = user.full_name ?? ([user.given_name, user.family_name].filter(Boolean).join(' ') || undefined);
    for (const [k, v] of Object.entries({ name, given_name: user.given_name, family_name: user.family_name, picture: user.picture })) {
      if (v) claims[k] = v;
    }
  }
  return claims;
}
