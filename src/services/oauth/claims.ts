import type { Deps } from '../../deps';
import type { User } from '../../store/repositories/users';
import type { Grant, OAuthClient } from './types';

/**
 * The one place where token claim sets are built. Features that know more about a user
 * (organizations, roles, permissions, feature flags: the management API) register a
 * contributor with addAccessTokenClaims; its claims are merged into every access token.
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

export type ClaimContributor = (ctx: AccessClaimContext) => Promise<Record<string, unknown>> | Record<string, unknown>;

const contributors: ClaimContributor[] = [];

/** Registers extra access-token claims (e.g. org_code, roles, permissions, feature_flags). */
export function addAccessTokenClaims(contributor: ClaimContributor): void {
  if (!contributors.includes(contributor)) contributors.push(contributor);
}

/** RFC 9068 claims plus seed 002's: `permissions` always, `org_code` / `roles` only when known. */
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
  if (grant?.extra.org_code) claims.org_code = grant.extra.org_code;
  if (user && ctx.scopes.includes('email') && user.email) claims.email = user.email;
  for (const contribute of contributors) Object.assign(claims, await contribute(ctx));
  // The protocol claims are not for contributors to change.
  Object.assign(claims, { iss: deps.config.issuer, aud: ctx.audience, client_id: client.clientId, iat: ctx.iat, exp: ctx.exp, jti: ctx.jti });
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

/** OIDC Core §2 ID token claims; profile and email claims follow the granted scopes. */
export function idTokenClaims(ctx: IdClaimContext): Record<string, unknown> {
  const { user, scopes } = ctx;
  const claims: Record<string, unknown> = {
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
