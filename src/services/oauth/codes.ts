import { createHash, randomUUID } from 'node:crypto';
import type { Deps } from '../../deps';
import { OAuthError } from '../../http/errors';
import { hashToken, randomToken, safeEqual } from '../crypto';
import { revokeTokensForGrantRef } from './tokens';
import type { Grant } from './types';

export const CODE_PREFIX = 'kndr_oac_';

/** RFC 7636 §4.1: 43–128 unreserved characters. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** RFC 7636 §4.2: BASE64URL(SHA256(verifier)) is 43 characters. */
export const S256_CHALLENGE = /^[A-Za-z0-9\-_]{43}$/;

export const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

export interface NewCode {
  clientId: string;
  userId: number;
  redirectUri: string;
  scope: string;
  nonce?: string | null;
  /** S256 challenge; null when the (confidential) client sent none. */
  codeChallenge: string | null;
  authTime: number;
  amr: string[];
  extra: Record<string, string>;
}

/** Issues a single-use code; only its hash is stored. */
export async function issueAuthorizationCode(deps: Deps, c: NewCode): Promise<string> {
  const code = randomToken(CODE_PREFIX);
  const now = deps.clock();
  await deps.repos.authorize.insertCode({
    code_hash: hashToken(code),
    grant_ref: `code:${randomUUID()}`,
    client_id: c.clientId,
    user_id: c.userId,
    redirect_uri: c.redirectUri,
    scope: c.scope,
    nonce: c.nonce ?? null,
    code_challenge: c.codeChallenge,
    auth_time: c.authTime,
    amr: JSON.stringify(c.amr),
    extra: JSON.stringify(c.extra),
    created_at: now,
    expires_at: now + deps.config.authCodeTtlSeconds * 1000,
    used_at: null,
  });
  return code;
}

const invalidGrant = (why: string) => new OAuthError('invalid_grant', why);

/**
 * The token endpoint's half of the code flow (RFC 6749 §4.1.3, RFC 7636 §4.6). The code is spent on
 * the first presentation, whatever the outcome; presenting it again revokes every token issued from it.
 */
export async function consumeAuthorizationCode(
  deps: Deps,
  input: { code: string; clientId: string; redirectUri?: string; codeVerifier?: string },
): Promise<Grant & { grantRef: string }> {
  const now = deps.clock();
  const row = await deps.repos.authorize.findCode(hashToken(input.code));
  if (!row) throw invalidGrant('authorization code is invalid or expired');
  if (row.used_at !== null || !(await deps.repos.authorize.markCodeUsed(row.code_hash, now))) {
    const revoked = await revokeTokensForGrantRef(deps, row.grant_ref);
    deps.log.warn({ clientId: row.client_id, revoked }, 'authorization code reuse: tokens issued from it revoked');
    throw invalidGrant('authorization code was already used');
  }
  if (row.expires_at <= now) throw invalidGrant('authorization code is invalid or expired');
  if (row.client_id !== input.clientId) throw invalidGrant('authorization code was issued to another client');
  if (input.redirectUri === undefined || input.redirectUri !== row.redirect_uri) {
    throw invalidGrant('redirect_uri does not match the authorization request');
  }
  if (row.code_challenge === null) {
    if (input.codeVerifier !== undefined) throw invalidGrant('code_verifier sent for a code issued without code_challenge');
  } else {
    if (input.codeVerifier === undefined) throw invalidGrant('code_verifier is required');
    if (!VERIFIER.test(input.codeVerifier) || !safeEqual(s256(input.codeVerifier), row.code_challenge)) {
      throw invalidGrant('code_verifier does not match the code_challenge');
    }
  }
  return {
    userId: row.user_id,
    clientId: row.client_id,
    scope: row.scope,
    authTime: row.auth_time,
    amr: JSON.parse(row.amr) as string[],
    ...(row.nonce ? { nonce: row.nonce } : {}),
    extra: JSON.parse(row.extra) as Record<string, string>,
    grantRef: row.grant_ref,
  };
}
