import type { Deps } from '../../deps';
import type { Principal } from '../../http/principal';
import { OAuthError } from '../../http/errors';
import { hashToken } from '../crypto';
import { authenticateClient } from './clients';
import { consumeAuthorizationCode } from './codes';
import { pollDeviceCode } from './device';
import { issueTokens, mintTokens, userApiAudience, type TokenSet, type UserGrant } from './tokens';
import { requireOrganizationMember } from './organizations';
import type { Grant, OAuthClient } from './types';
import type { TokenRequest as TokenRequestSchema } from '../../../generated/client';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** The form body of both token paths, as the spec defines it (`TokenRequest` in components). */
export type TokenRequestBody = TokenRequestSchema;

export interface TokenRequest {
  body: TokenRequestBody;
  principal: Principal | null;
  basicPresented: boolean;
  ip: string;
}

const SUPPORTED = ['authorization_code', 'refresh_token', 'client_credentials', DEVICE_CODE_GRANT];
const scopeList = (s: string | undefined) => (s ?? '').split(' ').filter(Boolean);

/** POST /oauth/token and /oauth2/token (RFC 6749 §4–6, RFC 8628 §3.4). */
export async function exchangeToken(deps: Deps, req: TokenRequest): Promise<TokenSet> {
  const grantType = req.body.grant_type;
  // Client authentication comes first: an unauthenticated caller learns nothing else.
  const client = await authenticateClient(deps, { principal: req.principal, basicPresented: req.basicPresented, body: req.body, ip: req.ip });
  if (!SUPPORTED.includes(grantType)) throw new OAuthError('unsupported_grant_type', `grant_type ${grantType.slice(0, 100)} is not supported`);
  if (!client.grantTypes.includes(grantType)) throw new OAuthError('unauthorized_client', `this client may not use grant_type ${grantType}`);
  switch (grantType) {
    case 'client_credentials':
      return clientCredentials(deps, client, req.body);
    case 'refresh_token':
      return refreshToken(deps, client, req.body);
    case 'authorization_code': {
      const { code, redirect_uri: redirectUri, code_verifier: codeVerifier } = req.body;
      if (!code) throw new OAuthError('invalid_request', 'code is required');
      const grant = await consumeAuthorizationCode(deps, { code, clientId: client.clientId, redirectUri, codeVerifier });
      return fromUserGrant(deps, client, grant, grant.grantRef);
    }
    default: {
      if (!req.body.device_code) throw new OAuthError('invalid_request', 'device_code is required');
      const grant: Grant & { grantRef?: string } = await pollDeviceCode(deps, { deviceCode: req.body.device_code, clientId: client.clientId });
      return fromUserGrant(deps, client, grant, grant.grantRef ?? `device:${hashToken(req.body.device_code)}`);
    }
  }
}

async function loadUserGrant(deps: Deps, userId: number, g: Omit<UserGrant, 'user'>): Promise<UserGrant> {
  const user = await deps.repos.users.findById(userId);
  if (!user || user.suspended) throw new OAuthError('invalid_grant', 'the grant is no longer valid');
  return { ...g, user };
}

/** Audiences of a user token: the user-facing API, plus requested ones the client may use. */
function userAudience(deps: Deps, client: OAuthClient, requested: string | undefined): string[] {
  return [userApiAudience(deps), ...scopeList(requested).filter((a) => client.audiences.includes(a) && a !== userApiAudience(deps))];
}

async function fromUserGrant(deps: Deps, client: OAuthClient, grant: Grant, grantRef: string): Promise<TokenSet> {
  if (grant.clientId !== client.clientId) throw new OAuthError('invalid_grant', 'the grant was issued to another client');
  const scopes = scopeList(grant.scope);
  const userGrant = await loadUserGrant(deps, grant.userId, { scopes, authTime: grant.authTime, amr: grant.amr, extra: grant.extra, nonce: grant.nonce });
  await requireOrganizationMember(deps, grant.userId, grant.extra.org_code);
  return issueTokens(deps, { client, grant: userGrant, scopes, audience: userAudience(deps, client, grant.extra.audience), grantRef });
}

/** RFC 6749 §4.4 with repeatable `audience` (RFC 8707 style); an empty `scope=` means the defaults. */
async function clientCredentials(deps: Deps, client: OAuthClient, body: TokenRequestBody): Promise<TokenSet> {
  if (client.type !== 'confidential') throw new OAuthError('unauthorized_client', 'client_credentials needs a confidential client');
  const requested = requestedAudiences(body);
  const unknown = requested.filter((a) => !client.audiences.includes(a));
  if (unknown.length) throw new OAuthError('invalid_target', `this client may not request the audience ${unknown[0]}`);
  const audience = requested.length ? [...new Set(requested)] : client.audiences;
  if (audience.length === 0) throw new OAuthError('invalid_target', 'no audience requested and none registered for this client');
  const asked = scopeList(body.scope);
  const denied = asked.filter((s) => !client.defaultScopes.includes(s));
  if (denied.length) throw new OAuthError('invalid_scope', `scope ${denied[0]} is not allowed for this client`);
  return issueTokens(deps, { client, scopes: asked.length ? asked : client.defaultScopes, audience });
}

/**
 * RFC 6749 §6 with rotation (RFC 9700 §4.14.2): each refresh token works once. The steps: find the
 * token, check the request in full (scope, audience, user, organization), mint the successors, then
 * spend the token and store them in one transaction. Presenting a spent token means it leaked: the
 * whole family is revoked, including tokens a concurrent winner received.
 */
async function refreshToken(deps: Deps, client: OAuthClient, body: TokenRequestBody): Promise<TokenSet> {
  if (!body.refresh_token) throw new OAuthError('invalid_request', 'refresh_token is required');
  const now = deps.clock();
  const row = await deps.repos.oauthTokens.findByHash(hashToken(body.refresh_token));
  if (!row || row.kind !== 'refresh' || row.client_id !== client.clientId || row.user_id === null) throw invalidRefresh();
  if (row.revoked_at !== null || row.expires_at <= now || (row.idle_expires_at ?? 0) <= now) throw invalidRefresh();
  if (row.used_at !== null) return refreshReused(deps, row, now);

  const granted = scopeList(row.scope);
  const scopes = narrowed(granted, scopeList(body.scope), () => new OAuthError('invalid_scope', 'a refresh may not widen the granted scopes'));
  const audience = narrowed(JSON.parse(row.audience) as string[], requestedAudiences(body), () => new OAuthError('invalid_target', 'a refresh may not add audiences to the grant'));
  const extra = JSON.parse(row.extra) as Record<string, string>;
  const userGrant = await loadUserGrant(deps, row.user_id, { scopes, authTime: row.auth_time ?? row.created_at, amr: JSON.parse(row.amr) as string[], extra });
  await requireOrganizationMember(deps, row.user_id, extra.org_code);

  const minted = await mintTokens(deps, {
    client,
    grant: userGrant,
    scopes,
    audience,
    familyId: row.family_id,
    familyExpiresAt: row.expires_at,
    grantRef: row.grant_ref ?? undefined,
  });
  if ((await deps.repos.oauthTokens.rotate({ id: row.id, familyId: row.family_id }, now, minted.rows)) === 'reused') return refreshReused(deps, row, now);
  return minted.tokens;
}

const invalidRefresh = () => new OAuthError('invalid_grant', 'refresh token is invalid, expired or revoked');

async function refreshReused(deps: Deps, row: { client_id: string; family_id: string }, now: number): Promise<never> {
  await deps.repos.oauthTokens.revokeFamily(row.family_id, now);
  deps.log.warn({ clientId: row.client_id, family: row.family_id }, 'refresh token reuse: family revoked');
  throw invalidRefresh();
}

/** The asked subset of what was granted (all of it when nothing is asked); anything more is refused. */
function narrowed(granted: string[], asked: string[], refuse: () => OAuthError): string[] {
  if (asked.some((a) => !granted.includes(a))) throw refuse();
  return asked.length ? [...new Set(asked)] : granted;
}

const requestedAudiences = (body: TokenRequestBody) => (Array.isArray(body.audience) ? body.audience : body.audience ? [body.audience] : []).filter(Boolean);
