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
