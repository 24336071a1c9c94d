import { createHash, randomUUID } from 'node:crypto';
import { SignJWT, decodeProtectedHeader, jwtVerify } from 'jose';
import type { Deps } from '../../deps';
import type { User } from '../../store/repositories/users';
import type { OAuthTokenRow } from '../../store/repositories/oauthTokens';
import { hashToken, randomToken } from '../crypto';
import { accessTokenClaims, idTokenClaims } from './claims';
import { signingKey, verificationKey } from './keys';
import { REFRESH_ABSOLUTE_SECONDS, REFRESH_IDLE_SECONDS } from './lifetimes';
import type { OAuthClient } from './types';

export const ACCESS_TOKEN_PREFIX = 'kndr_oat_';
export const REFRESH_TOKEN_PREFIX = 'kndr_ort_';

/** What a user approved, as carried from the grant through every refresh. */
export interface UserGrant {
  user: User;
  scopes: string[];
  authTime: number;
  amr: string[];
  extra: Record<string, string>;
  nonce?: string;
}

export interface IssueInput {
  client: OAuthClient;
  /** Absent for client_credentials. */
  grant?: UserGrant;
  scopes: string[];
  audience: string[];
  /** Refresh-token family and its absolute end; a new family when absent. */
  familyId?: string;
  familyExpiresAt?: number;
  grantRef?: string;
}

export interface TokenSet {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  refresh_token?: string;
  id_token?: string;
}

export const wantsRefreshToken = (scopes: string[]) => scopes.includes('offline_access') || scopes.includes('offline');

/** Issues an access token (JWT or opaque, per client), and a refresh token and ID token when the scopes ask. */
export async function issueTokens(deps: Deps, input: IssueInput): Promise<TokenSet> {
  const minted = await mintTokens(deps, input);
  await deps.repos.oauthTokens.insertMany(minted.rows);
  return minted.tokens;
}

/** Tokens and the records that make them verifiable, not yet stored (a refresh stores them with the spend). */
export interface MintedTokens {
  tokens: TokenSet;
  rows: OAuthTokenRow[];
}

export async function mintTokens(deps: Deps, input: IssueInput): Promise<MintedTokens> {
  const { client, grant } = input;
  const now = deps.clock();
  const iat = Math.floor(now / 1000);
  const ttl = deps.config.accessTokenTtlSeconds;
  const exp = iat + ttl;
  const familyId = input.familyId ?? randomUUID();
  const jti = randomUUID();
  const base = {
    client_id: client.clientId,
    user_id: grant?.user.id ?? null,
    scope: input.scopes.join(' '),
    audience: JSON.stringify(input.audience),
    family_id: familyId,
    grant_ref: input.grantRef ?? null,
    auth_time: grant?.authTime ?? null,
    amr: JSON.stringify(grant?.amr ?? []),
    extra: JSON.stringify(grant?.extra ?? {}),
    created_at: now,
    used_at: null,
    revoked_at: null,
  };
  let accessToken: string;
  if (client.tokenFormat === 'jwt') {
    const claims = await accessTokenClaims({ deps, client, user: grant?.user, grant, scopes: input.scopes, audience: input.audience, jti, iat, exp });
    accessToken = await sign(deps, claims, 'at+jwt');
  } else {
    accessToken = randomToken(ACCESS_TOKEN_PREFIX);
  }
  const rows: OAuthTokenRow[] = [
    {
      ...base,
      id: jti,
      kind: 'access',
      format: client.tokenFormat,
      token_hash: client.tokenFormat === 'opaque' ? hashToken(accessToken) : null,
      expires_at: exp * 1000,
      idle_expires_at: null,
    },
  ];
  const out: TokenSet = { access_token: accessToken, token_type: 'Bearer', expires_in: ttl, scope: input.scopes.join(' ') };

  if (grant && wantsRefreshToken(input.scopes) && client.grantTypes.includes('refresh_token')) {
    const refresh = randomToken(REFRESH_TOKEN_PREFIX);
    const familyEnd = input.familyExpiresAt ?? now + REFRESH_ABSOLUTE_SECONDS * 1000;
    rows.push({
      ...base,
      id: randomUUID(),
      kind: 'refresh',
      format: 'opaque',
      token_hash: hashToken(refresh),
      expires_at: familyEnd,
      idle_expires_at: Math.min(familyEnd, now + REFRESH_IDLE_SECONDS * 1000),
    });
    out.refresh_token = refresh;
  }
  if (grant && input.scopes.includes('openid')) {
    const claims = await idTokenClaims({
      deps,
      clientId: client.clientId,
      user: grant.user,
      scopes: input.scopes,
      authTime: grant.authTime,
      amr: grant.amr,
      nonce: grant.nonce,
      atHash: atHash(accessToken),
      iat,
      exp: iat + ttl,
    });
    out.id_token = await sign(deps, claims, 'JWT');
  }
  return { tokens: out, rows };
}

async function sign(deps: Deps, claims: Record<string, unknown>, typ: string): Promise<string> {
  const { kid, key } = await signingKey(deps);
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ, kid }).sign(key);
}

/** OIDC Core §3.1.3.6: left half of SHA-256 of the access token, base64url. */
export function atHash(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest().subarray(0, 16).toString('base64url');
}

export interface VerifiedAccessToken {
  row: OAuthTokenRow;
  clientId: string;
  userId: number | null;
  scopes: string[];
  audience: string[];
}

/** The resource audience of the user-facing API (userinfo, app endpoints). */
export const userApiAudience = (deps: Deps) => deps.config.issuer;

/**
 * Verifies an access token: opaque ones by hash lookup, JWTs by RS256 signature with one of our
 * keys (by kid), `typ: at+jwt`, issuer, audience and expiry, then by their record (revocation).
 * Anything else (alg none, HS256, unknown kid, wrong aud, expired) is undefined.
 */
export async function verifyAccessToken(deps: Deps, token: string, audience = userApiAudience(deps)): Promise<VerifiedAccessToken | undefined> {
  const now = deps.clock();
  let row: OAuthTokenRow | undefined;
  if (token.startsWith(ACCESS_TOKEN_PREFIX)) {
    row = await deps.repos.oauthTokens.findByHash(hashToken(token));
    if (!row || row.format !== 'opaque') return undefined;
  } else {
    const jti = await verifyJwt(deps, token, audience, now);
    if (!jti) return undefined;
    row = await deps.repos.oauthTokens.findById(jti);
    if (!row || row.format !== 'jwt') return undefined;
  }
  const aud = JSON.parse(row.audience) as string[];
  if (row.kind !== 'access' || row.revoked_at !== null || row.expires_at <= now || !aud.includes(audience)) return undefined;
  if (row.user_id !== null) {
    const user = await deps.repos.users.findById(row.user_id);
    if (!user || user.suspended) return undefined;
  }
  return { row, clientId: row.client_id, userId: row.user_id, scopes: row.scope.split(' ').filter(Boolean), audience: aud };
}

async function verifyJwt(deps: Deps, token: string, audience: string, now: number): Promise<string | undefined> {
  try {
    const header = decodeProtectedHeader(token);
    if (header.alg !== 'RS256' || typeof header.kid !== 'string') return undefined;
    const key = await verificationKey(deps, header.kid);
    if (!key) return undefined;
    const { payload } = await jwtVerify(token, key.key, {
      algorithms: ['RS256'],
      issuer: deps.config.issuer,
      audience,
      typ: 'at+jwt',
      currentDate: new Date(now),
      requiredClaims: ['exp', 'iat', 'jti', 'sub'],
    });
    return typeof payload.jti === 'string' ? payload.jti : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies an ID token we issued (signature, issuer, `typ: JWT`, so an access token is no hint);
 * expiry is ignored, as for id_token_hint.
 */
export async function verifyIdTokenHint(deps: Deps, idToken: string): Promise<{ sub: string; aud: string[] } | undefined> {
  try {
    const header = decodeProtectedHeader(idToken);
    if (header.alg !== 'RS256' || header.typ !== 'JWT' || typeof header.kid !== 'string') return undefined;
    const key = await verificationKey(deps, header.kid);
    if (!key) return undefined;
    const { payload } = await jwtVerify(idToken, key.key, { algorithms: ['RS256'], issuer: deps.config.issuer, clockTolerance: Number.MAX_SAFE_INTEGER / 1000 });
    if (typeof payload.sub !== 'string') return undefined;
    return { sub: payload.sub, aud: Array.isArray(payload.aud) ? payload.aud : payload.aud ? [payload.aud] : [] };
  } catch {
    return undefined;
  }
}

/** Authorization-code reuse: every token issued from that code (and its refresh family) is revoked. */
export async function revokeTokensForGrantRef(deps: Deps, grantRef: string): Promise<number> {
  return deps.repos.oauthTokens.revokeByGrantRef(grantRef, deps.clock());
}

/** Logout and password change: every OAuth token of the user is revoked. */
export async function revokeUserTokens(deps: Deps, userId: number): Promise<number> {
  return deps.repos.oauthTokens.revokeByUser(userId, deps.clock());
}

/**
 * RFC 7009: revokes a token issued to this client; a refresh token takes its family (and the
 * access tokens issued from it) along. Unknown tokens and other clients' tokens are ignored.
 */
export async function revokeToken(deps: Deps, clientId: string, token: string): Promise<void> {
  const row = await findTokenRow(deps, token);
  if (!row || row.client_id !== clientId) return;
  if (row.kind === 'refresh') await deps.repos.oauthTokens.revokeFamily(row.family_id, deps.clock());
  else await deps.repos.oauthTokens.revokeById(row.id, deps.clock());
}

/** A token's record by its value: opaque tokens by hash, JWTs by their (unverified) jti after a signature check. */
export async function findTokenRow(deps: Deps, token: string): Promise<OAuthTokenRow | undefined> {
  if (token.startsWith(ACCESS_TOKEN_PREFIX) || token.startsWith(REFRESH_TOKEN_PREFIX)) {
    return deps.repos.oauthTokens.findByHash(hashToken(token));
  }
  try {
    const header = decodeProtectedHeader(token);
    if (header.alg !== 'RS256' || typeof header.kid !== 'string') return undefined;
    const key = await verificationKey(deps, header.kid);
    if (!key) return undefined;
    // Signature and issuer only: an expired or foreign-audience token still names its record.
    const { payload } = await jwtVerify(token, key.key, { algorithms: ['RS256'], issuer: deps.config.issuer, typ: 'at+jwt', clockTolerance: Number.MAX_SAFE_INTEGER / 1000 });
    return typeof payload.jti === 'string' ? deps.repos.oauthTokens.findById(payload.jti) : undefined;
  } catch {
    return undefined;
  }
}
