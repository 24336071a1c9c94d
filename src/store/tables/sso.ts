export interface SsoConfigsTable {
  organization_id: number;
  provider: 'saml' | 'oidc';
  enabled: number;
  saml_entity_id: string | null;
  saml_sso_url: string | null;
  oidc_issuer: string | null;
  oidc_client_id: string | null;
  oidc_client_secret_sealed: string | null;
  oidc_scopes: string;
  default_role: 'admin' | 'member';
  /** JSON array of lower-case domains. */
  allowed_domains: string;
  auto_provision: number;
  enforce_for_all_users: number;
  created_at: number;
  updated_at: number;
}

export interface SsoStatesTable {
  state_hash: string;
  organization_id: number;
  nonce: string;
  code_verifier_sealed: string;
  redirect_uri: string;
  created_at: number;
  expires_at: number;
}

declare module '../schema' {
  interface DB {
    sso_configs: SsoConfigsTable;
    sso_states: SsoStatesTable;
  }
}
