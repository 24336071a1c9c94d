/**
 * The contract between the authorization side (authorize endpoint, hosted pages, device
 * verification: src/services/oauth/authorize.ts, device.ts) and the token side (token endpoint:
 * src/services/oauth/token.ts). A grant is what a user approved; the token endpoint turns it into tokens.
 */
export interface Grant {
  userId: number;
  clientId: string;
  /** Space-separated scopes granted. */
  scope: string;
  /** When the user authenticated (epoch ms). */
  authTime: number;
  /** Authentication methods used, e.g. ["pwd"], ["pwd","otp"]. */
  amr: string[];
  nonce?: string;
  /** Extra authorization parameters kept on the grant (org_code, lang, audience, …). */
  extra: Record<string, string>;
}

export type TokenFormat = 'jwt' | 'opaque';

export interface OAuthClient {
  clientId: string;
  name: string;
  /** public clients have no secret and must use PKCE. */
  type: 'public' | 'confidential';
  redirectUris: string[];
  logoutUris: string[];
  grantTypes: string[];
  defaultScopes: string[];
  tokenFormat: TokenFormat;
  /** First-party clients skip the consent page. */
  firstParty: boolean;
  /** Audiences a client_credentials token may be issued for. */
  audiences: string[];
}

/*
 * Note from the token helper (for the authorize helper):
 * - Ready: src/services/oauth/clients.ts → findClient(deps, clientId), redirectUriAllowed(client, uri)
 *   (exact; RFC 8252 loopback ignores the port), logoutUriAllowed(client, uri). Migration 030_oauth.sql
 *   creates oauth_clients, signing_keys, oauth_tokens; start-up seeds kendr-desktop and kendr-cli.
 * - The token endpoint (src/services/oauth/token.ts) calls, with these exact signatures:
 *     consumeAuthorizationCode(deps, {code, clientId, redirectUri, codeVerifier}) → Promise<Grant & {grantRef: string}>
 *       from src/services/oauth/codes.ts; throws OAuthError('invalid_grant', …). On a reused code, call
 *       revokeTokensForGrantRef(deps, grantRef) from src/services/oauth/tokens.ts.
 *     pollDeviceCode(deps, {deviceCode, clientId}) → Promise<Grant> (optionally with grantRef)
 *       from src/services/oauth/device.ts; throws OAuthError authorization_pending | slow_down | access_denied | expired_token.
 *   codeVerifier / redirectUri are undefined when the request did not send them.
 * - tokens.ts also exports revokeUserTokens(deps, userId) (logout, password change),
 *   verifyAccessToken(deps, token) → {clientId, userId, scopes, …} | undefined, and
 *   verifyIdTokenHint(deps, idToken) → {sub, aud} | undefined (signature + issuer; expiry ignored) for logout.
 */
