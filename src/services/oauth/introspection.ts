import type { Deps } from '../../deps';
import { OAuthError } from '../../http/errors';
import { findTokenRow } from './tokens';
import type { OAuthClient } from './types';
import type { TokenIntrospection } from '../../../generated/client';

export type Introspection = TokenIntrospection;

/**
 * RFC 7662 for a confidential client. It sees tokens issued to itself or meant for one of its
 * audiences; everything else, like unknown, expired, spent or revoked tokens, is inactive.
 */
export async function introspect(deps: Deps, caller: OAuthClient, token: string): Promise<Introspection> {
  if (caller.type !== 'confidential') {
    throw new OAuthError('invalid_client', 'introspection needs an authenticated confidential client', 401, { 'WWW-Authenticate': 'Basic realm="keyhaven"' });
  }
  const row = await findTokenRow(deps, token);
  const now = deps.clock();
  if (!row || row.revoked_at !== null || row.expires_at <= now) return { active: false };
  if (row.kind === 'refresh' && (row.used_at !== null || (row.idle_expires_at ?? 0) <= now)) return { active: false };
  const aud = JSON.parse(row.audience) as string[];
  if (row.client_id !== caller.clientId && !aud.some((a) => caller.audiences.includes(a))) return { active: false };
  const user = row.user_id === null ? undefined : await deps.repos.users.findById(row.user_id);
  if (row.user_id !== null && (!user || user.suspended)) return { active: false };
  return {
    active: true,
    aud,
    client_id: row.client_id,
    exp: Math.floor(row.expires_at / 1000),
    iat: Math.floor(row.created_at / 1000),
    sub: user ? user.public_id : row.client_id,
    scope: row.scope,
    token_type: row.kind === 'access' ? 'access_token' : 'refresh_token',
    iss: deps.config.issuer,
    ...(row.kind === 'access' ? { jti: row.id } : {}),
  };
}
