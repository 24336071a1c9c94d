export interface OAuthClientsTable {
  client_id: string;
  name: string;
  type: 'public' | 'confidential';
  secret_hash: string | null;
  /** JSON arrays of strings. */
  redirect_uris: string;
  logout_uris: string;
  grant_types: string;
  /** Space-separated. */
  default_scopes: string;
  token_format: 'jwt' | 'opaque';
  first_party: number;
  audiences: string;
  created_at: number;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  public_jwk: string;
  private_sealed: string;
  created_at: number;
  retired_at: number | null;
  expires_at: number | null;
}

export interface OAuthTokensTable {
  id: string;
  kind: 'access' | 'refresh';
  format: 'jwt' | 'opaque';
  token_hash: string | null;
  client_id: string;
  user_id: number | null;
  scope: string;
  /** JSON array. */
  audience: string;
  family_id: string;
  grant_ref: string | null;
  auth_time: number | null;
  /** JSON array. */
  amr: string;
  /** JSON object: grant extras (org_code, nonce, …). */
  extra: string;
  created_at: number;
  expires_at: number;
  idle_expires_at: number | null;
  used_at: number | null;
  revoked_at: number | null;
}

declare module '../schema' {
  interface DB {
    oauth_clients: OAuthClientsTable;
    signing_keys: SigningKeysTable;
    oauth_tokens: OAuthTokensTable;
  }
}
